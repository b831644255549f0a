#include "sambench/data/volume_io.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>

#include <itkGDCMImageIO.h>
#include <itkGDCMImageIOFactory.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOFactory.h>
#include <itkImageSeriesReader.h>
#include <itkNiftiImageIOFactory.h>
#include <itkOrientImageFilter.h>
#include <nifti1_io.h>

#include "sambench/base/error.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;

// Without ITK_USE_FILE nothing registers the IO factories, and every reader then fails with
// "could not create IO object". Registered once, on first use.
void register_factories() {
  static std::once_flag once;
  std::call_once(once, [] {
    itk::NiftiImageIOFactory::RegisterOneFactory();
    itk::GDCMImageIOFactory::RegisterOneFactory();
  });
}

// ITK messages span several lines and start with the source location; keep the reason.
Error itk_error(const fs::path& path, const itk::ExceptionObject& e) {
  return Error(path, first_line(e.GetDescription()));
}

void check_exists(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path, "file not found");
}

// The files of the one DICOM series in `dir`, in slice order.
std::vector<std::string> series_files(const fs::path& dir) {
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetUseSeriesDetails(true);
  names->SetDirectory(dir.string());
  const auto& uids = names->GetSeriesUIDs();
  if (uids.empty()) throw Error(dir, "no DICOM series in this folder");
  if (uids.size() > 1) {
    throw Error(dir, "holds " + std::to_string(uids.size()) +
                         " DICOM series; give a folder with exactly one");
  }
  return names->GetFileNames(uids.front());
}

template <typename Image>
VolumeGeometry geometry_of(const Image* image) {
  VolumeGeometry g;
  const auto size = image->GetLargestPossibleRegion().GetSize();
  for (int i = 0; i < 3; ++i) {
    g.size[i] = int(size[i]);
    g.spacing[i] = image->GetSpacing()[i];
    g.origin[i] = image->GetOrigin()[i];
    for (int j = 0; j < 3; ++j) g.direction[j * 3 + i] = image->GetDirection()(j, i);
  }
  return g;
}

bool is_nifti(const fs::path& path) {
  std::string name = path.filename().string();
  auto ends = [&](const std::string& tail) {
    return name.size() >= tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
  };
  return ends(".nii") || ends(".nii.gz");
}

template <typename T>
size_t count_nonfinite(char* bytes, size_t count, bool swap) {
  if (swap) {
    if (sizeof(T) == 4) nifti_swap_4bytes(count, bytes);
    if (sizeof(T) == 8) nifti_swap_8bytes(count, bytes);
  }
  size_t bad = 0;
  for (size_t i = 0; i < count; ++i) {
    T v;
    std::memcpy(&v, bytes + i * sizeof(T), sizeof(T));
    bad += !std::isfinite(v);
  }
  return bad;
}

// nifti_clib, under ITK's NIfTI reader, replaces NaN and infinite floats by 0 without a word,
// and ITK 5.2 passes over the short read of a truncated file. One raw pass over the voxel bytes
// catches both. It decompresses the file a second time (about 0.2 s for a 512x512x100 CT), which
// is small next to one SAM encoder pass.
void check_nifti_data(const fs::path& path) {
  std::unique_ptr<nifti_image, void (*)(nifti_image*)> nim(nifti_image_read(path.c_str(), 0),
                                                           nifti_image_free);
  if (!nim) throw Error(path, "unreadable NIfTI header");
  // ITK's 3D reader takes the first frame of a 4D file without a word (as does a 5D file's
  // first component): a time series or a vector image is refused.
  for (int axis = 4; axis <= std::min(nim->ndim, 7); ++axis) {
    if (nim->dim[axis] > 1) {
      throw Error(path, "is a " + std::to_string(nim->ndim) + "D image (size " + std::to_string(nim->dim[axis]) +
                            " along axis " + std::to_string(axis) + "); sambench reads 3D volumes, one frame per file");
    }
  }
  const size_t total = size_t(nim->nvox) * size_t(nim->nbyper);
  znzFile file = znzopen(nim->iname, "rb", nifti_is_gzfile(nim->iname));
  if (znz_isnull(file)) throw Error(path, "cannot open the voxel data");
  const bool swap = nim->byteorder != nifti_short_order();
  const bool f32 = nim->datatype == DT_FLOAT32, f64 = nim->datatype == DT_FLOAT64;
  size_t done = 0, bad = 0;
  if (znzseek(file, long(nim->iname_offset), SEEK_SET) >= 0) {
    std::vector<char> chunk(size_t(1) << 22);  // a multiple of every voxel size
    while (done < total) {
      size_t got = znzread(chunk.data(), 1, std::min(chunk.size(), total - done), file);
      if (got == 0) break;
      if (f32) bad += count_nonfinite<float>(chunk.data(), got / 4, swap);
      if (f64) bad += count_nonfinite<double>(chunk.data(), got / 8, swap);
      done += got;
    }
  }
  znzclose(file);
  if (done < total) {
    throw Error(path, "truncated: " + std::to_string(done) + " of " + std::to_string(total) +
                          " bytes of voxel data");
  }
  if (bad) throw Error(path, std::to_string(bad) + " voxel(s) are NaN or infinite");
}

template <typename Image>
typename Image::Pointer read_stored(const fs::path& path) {
  register_factories();
  check_exists(path);
  if (is_nifti(path)) check_nifti_data(path);
  try {
    if (fs::is_directory(path)) {
      auto reader = itk::ImageSeriesReader<Image>::New();
      reader->SetImageIO(itk::GDCMImageIO::New());
      reader->SetFileNames(series_files(path));
      reader->Update();
      return reader->GetOutput();
    }
    auto reader = itk::ImageFileReader<Image>::New();
    reader->SetFileName(path.string());
    reader->Update();
    return reader->GetOutput();
  } catch (const itk::ExceptionObject& e) {
    throw itk_error(path, e);
  }
}

template <typename T>
VolumeOf<T> read_oriented(const fs::path& path) {
  using Image = itk::Image<T, 3>;
  typename Image::Pointer stored = read_stored<Image>(path);
  typename Image::Pointer oriented;
  try {
    auto orient = itk::OrientImageFilter<Image, Image>::New();
    orient->UseImageDirectionOn();
    orient->SetDesiredCoordinateOrientation(
        itk::SpatialOrientation::ITK_COORDINATE_ORIENTATION_RAI);
    orient->SetInput(stored);
    orient->Update();
    oriented = orient->GetOutput();
  } catch (const itk::ExceptionObject& e) {
    throw itk_error(path, e);
  }
  VolumeOf<T> out;
  out.geometry = geometry_of(oriented.GetPointer());
  const T* data = oriented->GetBufferPointer();
  out.voxels.assign(data, data + oriented->GetLargestPossibleRegion().GetNumberOfPixels());
  return out;
}

template <typename T>
void write_any(const fs::path& path, const VolumeOf<T>& volume) {
  register_factories();
  using Image = itk::Image<T, 3>;
  const VolumeGeometry& g = volume.geometry;
  auto image = Image::New();
  typename Image::SizeType size;
  typename Image::SpacingType spacing;
  typename Image::PointType origin;
  typename Image::DirectionType direction;
  for (int i = 0; i < 3; ++i) {
    size[i] = g.size[i];
    spacing[i] = g.spacing[i];
    origin[i] = g.origin[i];
    for (int j = 0; j < 3; ++j) direction(j, i) = g.direction[j * 3 + i];
  }
  image->SetRegions(size);
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  image->Allocate();
  if (volume.voxels.size() != image->GetLargestPossibleRegion().GetNumberOfPixels()) {
    throw Error(path, "voxel count does not match the volume size");
  }
  std::memcpy(image->GetBufferPointer(), volume.voxels.data(), volume.voxels.size() * sizeof(T));
  try {
    auto writer = itk::ImageFileWriter<Image>::New();
    writer->SetFileName(path.string());
    writer->SetInput(image);
    writer->Update();
  } catch (const itk::ExceptionObject& e) {
    throw itk_error(path, e);
  }
}

// Header of a single file: no voxel data is decoded.
VolumeGeometry file_geometry(const fs::path& path) {
  itk::ImageIOBase::Pointer io =
      itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::ReadMode);
  if (!io) throw Error(path, "not a volume format this build reads (NIfTI or DICOM)");
  try {
    io->SetFileName(path.string());
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    throw itk_error(path, e);
  }
  unsigned dims = io->GetNumberOfDimensions();
  // A 4D file with one time point is still a volume.
  if (dims < 3 || (dims > 3 && io->GetDimensions(3) != 1)) {
    throw Error(path, "is not a 3D volume (" + std::to_string(dims) + " dimensions)");
  }
  VolumeGeometry g;
  for (int i = 0; i < 3; ++i) {
    g.size[i] = int(io->GetDimensions(i));
    g.spacing[i] = io->GetSpacing(i);
    g.origin[i] = io->GetOrigin(i);
    std::vector<double> axis = io->GetDirection(i);
    for (int j = 0; j < 3; ++j) g.direction[j * 3 + i] = axis[j];
  }
  return g;
}

// Header of a DICOM series: every file's header is parsed, the pixel data is not.
VolumeGeometry series_geometry(const fs::path& dir) {
  using Image = itk::Image<float, 3>;
  auto reader = itk::ImageSeriesReader<Image>::New();
  try {
    reader->SetImageIO(itk::GDCMImageIO::New());
    reader->SetFileNames(series_files(dir));
    reader->UpdateOutputInformation();
  } catch (const itk::ExceptionObject& e) {
    throw itk_error(dir, e);
  }
  return geometry_of(reader->GetOutput());
}

}  // namespace

VolumeGeometry read_geometry(const fs::path& path) {
  register_factories();
  check_exists(path);
  return fs::is_directory(path) ? series_geometry(path) : file_geometry(path);
}

// Where each stored index axis goes in RAI: index axis i goes to the world axis its direction
// cosine is largest along (x: L, y: P, z: S in LPS), flipped when it points the other way; the
// same choice ITK's OrientImageFilter makes for a volume that is not oblique.
struct AxisMap {
  std::array<int, 3> axis{0, 1, 2};
  std::array<bool, 3> flipped{false, false, false};
};

AxisMap rai_axes(const VolumeGeometry& stored) {
  AxisMap map;
  std::array<bool, 3> taken{false, false, false};
  for (int i = 0; i < 3; ++i) {
    int best = 0;
    for (int j = 1; j < 3; ++j) {
      if (std::abs(stored.direction[j * 3 + i]) > std::abs(stored.direction[best * 3 + i])) best = j;
    }
    if (taken[best]) best = taken[0] ? (taken[1] ? 2 : 1) : 0;  // degenerate matrix: any free axis
    taken[best] = true;
    map.axis[i] = best;
    map.flipped[i] = stored.direction[best * 3 + i] < 0;
  }
  return map;
}

LabelVolume to_stored_orientation(const LabelVolume& rai, const VolumeGeometry& stored) {
  AxisMap map = rai_axes(stored);
  LabelVolume out;
  out.geometry = stored;
  const auto& n = stored.size;
  const auto& m = rai.geometry.size;
  out.voxels.assign(size_t(n[0]) * n[1] * n[2], 0);
  std::array<int, 3> s{}, r{};
  for (s[2] = 0; s[2] < n[2]; ++s[2]) {
    for (s[1] = 0; s[1] < n[1]; ++s[1]) {
      for (s[0] = 0; s[0] < n[0]; ++s[0]) {
        for (int i = 0; i < 3; ++i) r[map.axis[i]] = map.flipped[i] ? n[i] - 1 - s[i] : s[i];
        out.voxels[(size_t(s[2]) * n[1] + s[1]) * n[0] + s[0]] =
            rai.voxels[(size_t(r[2]) * m[1] + r[1]) * m[0] + r[0]];
      }
    }
  }
  return out;
}

VolumeGeometry rai_geometry(const VolumeGeometry& stored) {
  AxisMap map = rai_axes(stored);
  VolumeGeometry out = stored;
  for (int i = 0; i < 3; ++i) {
    int best = map.axis[i];
    double sign = map.flipped[i] ? -1.0 : 1.0;
    out.size[best] = stored.size[i];
    out.spacing[best] = stored.spacing[i];
    for (int j = 0; j < 3; ++j) out.direction[j * 3 + best] = sign * stored.direction[j * 3 + i];
    if (sign < 0) {
      // The first voxel is now the other end of this axis.
      for (int j = 0; j < 3; ++j) {
        out.origin[j] += stored.direction[j * 3 + i] * stored.spacing[i] * (stored.size[i] - 1);
      }
    }
  }
  return out;
}

Volume read_volume(const fs::path& path) { return read_oriented<float>(path); }

// Read as float and checked, not read as uint16: ITK would cast a float or signed label file's
// negative or fractional values to uint16 (undefined behaviour; found by scripts/fuzz.sh).
LabelVolume read_label_volume(const fs::path& path) {
  Volume values = read_oriented<float>(path);
  LabelVolume out{values.geometry, {}};
  out.voxels.reserve(values.voxels.size());
  for (float v : values.voxels) {
    if (!(v >= 0.0f && v <= 65535.0f) || v != std::floor(v)) {
      throw Error(path, "label volume holds " + std::to_string(v) + ", not a label (an integer from 0 to 65535)");
    }
    out.voxels.push_back(static_cast<uint16_t>(v));
  }
  return out;
}

void write_volume(const fs::path& path, const Volume& volume) { write_any(path, volume); }

void write_label_volume(const fs::path& path, const LabelVolume& volume) {
  write_any(path, volume);
}

bool same_grid(const VolumeGeometry& a, const VolumeGeometry& b, double tolerance) {
  if (a.size != b.size) return false;
  for (int i = 0; i < 3; ++i) {
    if (std::abs(a.spacing[i] - b.spacing[i]) > tolerance) return false;
    if (std::abs(a.origin[i] - b.origin[i]) > tolerance) return false;
  }
  for (int i = 0; i < 9; ++i) {
    if (std::abs(a.direction[i] - b.direction[i]) > tolerance) return false;
  }
  return true;
}

}  // namespace sambench
