"""The paper's datasets in their real on-disk formats, with the paper's labelling (3.1-3.2).

    load_ham10000(root)      HAM10000_metadata.csv + image folders      derm, grouped by lesion_id
    load_kaggle_dr(root)     trainLabels.csv + images                   fundus, grouped by patient
    load_chestxray14(root)   Data_Entry_2017*.csv + images (+ official  cxr, grouped by Patient ID
                             train_val_list.txt / test_list.txt)
    load_medmnist(path, task) DermaMNIST / RetinaMNIST / ChestMNIST .npz (official splits)
    load_folder(root, task)  one sub-folder per class key

Rows whose label is unknown, and rows whose image file is missing, are SKIPPED and counted
in `Dataset.skipped` (the UI shows the counts); a CSV without the required columns, or a
dataset left with no usable row, raises DatasetError. Splits are stratified by class,
seeded, and grouped so no lesion or patient is in two splits.

One module per idea: base (Dataset, DatasetError), formats (the loaders), splits, tfdata.
"""

from core.data.datasets.base import IMAGE_SUFFIXES, SPLITS, Dataset, DatasetError
from core.data.datasets.formats import (CHESTMNIST_PNEUMOTHORAX, MEDMNIST_TASKS, load_chestxray14, load_folder,
                                        load_ham10000, load_kaggle_dr, load_medmnist, open_dataset)
from core.data.datasets.splits import class_weights, split_indices
from core.data.datasets.tfdata import make_tf_dataset

__all__ = ["IMAGE_SUFFIXES", "SPLITS", "Dataset", "DatasetError", "CHESTMNIST_PNEUMOTHORAX", "MEDMNIST_TASKS",
           "load_chestxray14", "load_folder", "load_ham10000", "load_kaggle_dr", "load_medmnist", "open_dataset",
           "class_weights", "split_indices", "make_tf_dataset"]
