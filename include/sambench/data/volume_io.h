#pragma once

// 3D volumes (NIfTI files, DICOM series folders) read through ITK. ITK stays inside
// volume_io.cc: its headers are slow to parse, and callers only need plain arrays.
//
// Every volume handed out is reoriented to ITK's "RAI" code, which is the identity direction in
// ITK's LPS world coordinates: x (columns) runs from the patient's right to left, y (rows) from
// anterior to posterior, z (slices) from inferior to superior. An axial slice shown as an image
// (row 0 at the top) therefore has anterior at the top and the patient's right on the image's
// left: the radiological convention that CT and MRI viewers, and the SAM medical papers, use.

#include <array>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace sambench {

struct VolumeGeometry {
  std::array<int, 3> size{0, 0, 0};             // voxels along x, y, z
  std::array<double, 3> spacing{1.0, 1.0, 1.0};  // mm
  std::array<double, 3> origin{0.0, 0.0, 0.0};   // mm, LPS world coordinates
  // Row-major 3x3; column i is the world direction of index axis i (ITK's convention).
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};
};

template <typename T>
struct VolumeOf {
  VolumeGeometry geometry;
  std::vector<T> voxels;  // x fastest, then y, then z
  size_t slice_pixels() const { return size_t(geometry.size[0]) * geometry.size[1]; }
};
using Volume = VolumeOf<float>;
using LabelVolume = VolumeOf<uint16_t>;

// The stored header of a NIfTI file (or of a DICOM series folder), no voxel data read, NOT
// reoriented. Throws Error(path, ...) when the file is missing, unreadable or not 3D.
VolumeGeometry read_geometry(const std::filesystem::path& path);

// What read_volume would give for a volume stored with `stored` geometry: axes permuted and
// flipped to RAI. Pure arithmetic, so listing slices needs only the headers.
VolumeGeometry rai_geometry(const VolumeGeometry& stored);

// The inverse of the reorientation: an RAI volume (as read_volume gives it) laid out again on
// the `stored` grid it was read from, voxel for voxel.
LabelVolume to_stored_orientation(const LabelVolume& rai, const VolumeGeometry& stored);

// Voxels as float (images) or unsigned 16-bit (label maps), reoriented to RAI. A path that is a
// folder is read as a DICOM series. Throws Error(path, one line) on any ITK failure.
Volume read_volume(const std::filesystem::path& path);
LabelVolume read_label_volume(const std::filesystem::path& path);

// Writes as given (no reorientation); the format follows the extension (.nii, .nii.gz, ...).
void write_volume(const std::filesystem::path& path, const Volume& volume);
void write_label_volume(const std::filesystem::path& path, const LabelVolume& volume);

// True when both grids have the same size and their spacing, origin and direction agree within
// `tolerance` (mm, and unitless for the direction cosines).
bool same_grid(const VolumeGeometry& a, const VolumeGeometry& b, double tolerance = 1e-3);

}  // namespace sambench
