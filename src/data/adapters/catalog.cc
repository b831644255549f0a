// The built-in adapters with what each expects on disk, for make_dataset and `sambench datasets`.
// An explicit table, rather than self-registering statics, because a static library drops objects
// nothing refers to. The layout texts are what a user reads before pointing a config at a folder;
// each adapter file's opening comment holds the details behind them.

#include "data/adapters/adapters.h"

namespace sambench {

const std::vector<AdapterEntry>& adapter_catalog() {
  static const std::vector<AdapterEntry> table = {
      {{"amos", "AMOS22 abdominal CT and MRI, 15 organs (NIfTI volumes or DICOM series), sliced axially",
        "<root>/imagesTr|imagesVa/amos_XXXX.nii.gz with <root>/labelsTr|labelsVa/amos_XXXX.nii.gz "
        "(split: Tr|Va; modality: ct = cases < 500, mri = cases >= 500)\n"
        "or any nnU-Net folder pair (images:, labels:), <case>_0000.nii.gz with <case>.nii.gz;\n"
        "an image may be a DICOM series folder. CT window [-991, 362] HU, MRI 0.5-99.5 percentiles;\n"
        "slices in radiological orientation; slices without foreground are counted, not encoded",
        "amos_ct.yaml, amos_ct_medsam.yaml, amos_mri.yaml"},
       make_amos_dataset},
      {{"endovis", "EndoVis 2017 robotic instruments (binary, instrument types, or parts)",
        "<root>/instrument_dataset_K/left_frames/frameNNN.png with\n"
        "<root>/instrument_dataset_K/ground_truth/<Instrument>_labels/frameNNN.png (one folder per "
        "instrument);\ntask: binary | instruments (7 types, from the folder names) | parts "
        "(10 shaft, 20 wrist, 30 claspers)",
        "endovis2017.yaml"},
       make_endovis_dataset},
      {{"folder", "any images/ + masks/ pair of label maps (the demo's layout)",
        "<root>/<images>/<id>.<ext> with <root>/<masks>/<id><mask_suffix>.<ext>; classes: {value: name} "
        "is required",
        "demo.yaml"},
       make_folder_dataset},
      {{"fundus", "optic disc and cup: DoFE Domain1..4, or REFUGE's release",
        "dofe: <root>/DomainK/{train,test}/ROIs/{image,mask}/<name>.png, masks 255 background, "
        "128 rim, 0 cup\nrefuge: <root>/<images>/**/<name>.jpg with <root>/<masks>/**/<name>.bmp",
        "fundus_dofe.yaml, refuge.yaml"},
       make_fundus_dataset},
      {{"isic", "ISIC 2016/2017/2018 Task 1 skin lesions",
        "<root>/<images>/ISIC_XXXXXXX.jpg with <root>/<masks>/ISIC_XXXXXXX_segmentation.png "
        "(or _Segmentation.png), 0/255;\nsubset_fraction/subset_seed: a seeded random subset",
        "isic2018.yaml"},
       make_isic_dataset},
      {{"kvasir", "Kvasir-SEG polyps",
        "<root>/images/<id>.jpg with <root>/masks/<id>.jpg (JPEG masks, thresholded at 127)",
        "kvasir_seg.yaml"},
       make_kvasir_dataset},
      {{"oct", "retinal OCT layers and fluids (AROI), or a flat layered-OCT layout (endoscopic OCT)",
        "aroi: <root>/patientN/raw/labeled/patientN_rawNNNN.png with "
        "<root>/patientN/mask/number/<same name>, values 0..7\n"
        "flat: <root>/<images>/<name>.png with <root>/<masks>/<name><mask_suffix>.png; classes: "
        "optional",
        "aroi.yaml, endoscopic_oct.yaml"},
       make_oct_dataset},
      {{"vessels", "retinal vessels: DRIVE, CHASE_DB1, STARE, HRF",
        "drive: <root>/{training,test}/images/NN_<split>.tif, 1st_manual/NN_manual1.gif, "
        "mask/NN_<split>_mask.gif (field of view)\n"
        "chase: Image_NNL.jpg with Image_NNL_1stHO.png; stare: im0001.ppm with im0001.ah.ppm\n"
        "hrf: images/NN_x.jpg, manual1/NN_x.tif, mask/NN_x_mask.tif (field of view)",
        "drive.yaml"},
       make_vessels_dataset},
      {{"xray", "chest X-ray lungs: Montgomery, Shenzhen",
        "montgomery: <root>/CXR_png/<name>.png with ManualMask/leftMask|rightMask/<name>.png\n"
        "shenzhen: <root>/CXR_png/<name>.png with <root>/mask/<name>_mask.png",
        "montgomery.yaml"},
       make_xray_dataset},
  };
  return table;
}

}  // namespace sambench
