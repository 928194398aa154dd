"""Datasets: the in-memory container, readers and writers for standard formats, built-in
data and stratified low-data splits."""

from augmentlab.data.dataset import Dataset
from augmentlab.data.load import BUILTINS, load_dataset, save_dataset
from augmentlab.data.split import stratified_split

__all__ = ["BUILTINS", "Dataset", "load_dataset", "save_dataset", "stratified_split"]
