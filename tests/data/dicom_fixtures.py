"""Build small DICOM files in the real on-disk format (Part 10, explicit VR little endian)."""

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid


def new_dataset(rows: int, columns: int, *, syntax=ExplicitVRLittleEndian, photometric="MONOCHROME2", bits=16,
                signed=False) -> Dataset:
    """A secondary-capture dataset with its file meta and one grey sample per pixel (no pixel data)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = syntax
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "OT"
    ds.PatientName = "Synthetic^Test"
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 1 if signed else 0
    return ds


def write_dicom(path, pixels, *, photometric="MONOCHROME2", window=None, rescale=None,
                frames=None, with_pixels=True):
    """Write `pixels` (rows x cols, uint16/int16, or frames x rows x cols) as a DICOM file."""
    pixels = np.asarray(pixels)
    ds = new_dataset(pixels.shape[-2], pixels.shape[-1], photometric=photometric, signed=pixels.dtype == np.int16)
    if frames:
        ds.NumberOfFrames = frames
    if rescale:
        ds.RescaleSlope, ds.RescaleIntercept = rescale
    if window:
        ds.WindowCenter, ds.WindowWidth = window
    if with_pixels:
        ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path
