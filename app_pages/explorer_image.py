"""The explorer's image: a synthetic example, a real photograph, an upload (DICOM too) or a
dataset sample, with its true class where it is known."""

from __future__ import annotations

import streamlit as st

from core.data.paths import confined
from core.data.real_examples import DEMO_NOTICE, EXAMPLES, real_examples
from core.tasks import get_task
from app_pages.common import plain, show_error, synthetic_gallery
from app_pages.words import HELP


UPLOAD_TYPES = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp", "gif", "dcm", "dicom"]
SOURCES = ["Synthetic gallery", "Real photographs", "Upload", "Dataset sample"]
THUMBNAILS_PER_ROW = 7


@st.cache_resource(show_spinner="Reading the dataset index…")
def _dataset(path: str, data_format: str, task: str):
    from core.data.datasets import open_dataset
    from core.data.paths import data_root

    return open_dataset(path, data_format, task, root=data_root())


@st.cache_data(show_spinner=False, max_entries=8)
def _real_image(key: str):
    return next(e for e in EXAMPLES if e.key == key).load()


def _true_label_ui(task: str, key: str) -> int | None:
    info = get_task(task)
    choice = st.selectbox("True class", ["unknown: attack each model's prediction", *info.classes], key=key,
                          format_func=info.short_name, help=HELP["true_class"])  # the unknown choice shows as given
    return None if choice not in info.classes else info.classes.index(choice)


def _loaded_ui(loaded, task: str, size: int):
    """Notes and size of a read image; returns (prepared image, metadata, raw pixels)."""
    from core.data.preprocess import prepare

    for note in loaded.notes:
        st.warning(plain(note), icon=":material/warning:")
    width, height = loaded.original_size
    st.caption(f"{plain(loaded.name)}: {width}×{height} px ({loaded.format}), resized to {size}×{size}"
               + (" and passed through the paper's chest x-ray filter" if get_task(task).cxr_filter else ""))
    return prepare(loaded.pixels, task, size), loaded.metadata, loaded.pixels


def image_ui(task: str, size: int) -> dict | None:
    """Pick an image. Returns {image, label, name, metadata, raw, synthetic} or None."""
    available = [s for s in SOURCES if s != "Real photographs" or real_examples(task)]
    source = st.radio("Image", available, horizontal=True, key="image_source", help=HELP["image_source"])
    classes = get_task(task).short_names
    if source == "Synthetic gallery":
        images, labels, truth = synthetic_gallery(task, size)
        # "no pneumothorax #1": a caption under a narrow thumbnail wraps at a word
        names = [f"{classes[label]} #{i % 2 + 1}" for i, label in enumerate(labels)]
        for start in range(0, len(images), THUMBNAILS_PER_ROW):
            for column, i in zip(st.columns(THUMBNAILS_PER_ROW), range(start, min(start + THUMBNAILS_PER_ROW,
                                                                                  len(images)))):
                column.image(images[i], caption=names[i], width="stretch")
        index = st.selectbox("Example", range(len(images)), format_func=lambda i: names[i], key=f"example_{task}",
            help=HELP["example"])
        st.caption("Synthetic image, labelled by construction (not medical data).")
        mimic = -1 if truth is None else int(truth["looks_like"][index])
        if mimic >= 0:
            st.caption(f"This {classes[labels[index]]} presents as {classes[mimic]}: a lesion only histopathology "
                       "tells apart, drawn at the rate the task's readers miss it; no model can be right on it "
                       "from the pixels.")
        return {"image": images[index], "label": int(labels[index]), "name": names[index], "metadata": {},
                "raw": None, "synthetic": True,
                "truth": None if truth is None else {part: truth[part][index] for part in ("lesion", "shortcut")}}
    if source == "Real photographs":
        examples = real_examples(task)
        key = st.radio("Photograph", [e.key for e in examples], key=f"real_{task}",
                       format_func=lambda k: next(e.title for e in examples if e.key == k), help=HELP["photograph"])
        example = next(e for e in examples if e.key == key)
        try:
            image, metadata, raw = _loaded_ui(_real_image(key), task, size)
        except (ValueError, OSError) as error:
            show_error(error, what="Reading the photograph")
            return None
        st.caption(f"Source: {example.source}. Licence: {example.licence}.")
        st.info(DEMO_NOTICE, icon=":material/info:")
        return {"image": image, "label": _true_label_ui(task, f"real_label_{task}"), "name": example.title,
                "metadata": metadata, "raw": raw, "synthetic": False}
    if source == "Upload":
        from core.data.io import read_image

        uploaded = st.file_uploader("PNG, JPEG, TIFF, BMP, WebP, GIF or DICOM", type=UPLOAD_TYPES, key="upload",
            help=HELP["upload"])
        if uploaded is None:
            st.info("Upload an image to attack it.")
            return None
        try:
            image, metadata, raw = _loaded_ui(read_image(uploaded), task, size)
        except ValueError as error:
            show_error(error, what="Could not use this file")
            return None
        return {"image": image, "label": _true_label_ui(task, "upload_label"), "name": uploaded.name,
                "metadata": metadata, "raw": raw, "synthetic": False}
    path = st.text_input("Dataset folder or MedMNIST .npz (inside the data folder)", key="dataset_path",
        help=HELP["dataset_path"])
    data_format = st.selectbox("Format", ["ham10000", "kaggle_dr", "chestxray14", "medmnist", "folder"],
                               key="dataset_format", help=HELP["dataset_format"])
    if not path:
        st.info("Give the path of a dataset inside the data folder (docs/data.md).")
        return None
    try:
        dataset = _dataset(str(confined(path)), data_format, task)
        if dataset.skipped:
            st.caption("Left out: " + ", ".join(f"{count} {reason}" for reason, count in dataset.skipped.items()))
        index = st.number_input(f"Image index (0-{len(dataset) - 1})", 0, len(dataset) - 1, 0, key="dataset_index",
            help=HELP["dataset_index"])
        return {"image": dataset.image(int(index), size), "label": int(dataset.labels[index]),
                "name": f"{dataset.name} #{index}", "metadata": {}, "raw": None, "synthetic": False}
    except (ValueError, OSError) as error:  # OSError: a path the file system refuses
        show_error(error, what="Dataset")
        return None
