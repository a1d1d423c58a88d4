"""The long jobs a catalogue session runs one at a time, and the words the window uses for each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class JobWords:
    """What the window says about one kind of job."""

    doing: str  # "Indexing" in "Indexing failed: …"
    starting: str  # the progress line before the first step is known
    verb: str  # "Indexing" in "Indexing 12 of 300 photos"
    noun: str  # what it counts, singular


class JobKind(Enum):
    """One long operation of a session; its value is how the window words it."""

    INDEX = JobWords("Indexing", "Looking for photos…", "Indexing", "photo")
    RELATED = JobWords("Exporting related products", "Finding related products…", "Finding related products for",
                       "product")
    DUPLICATES = JobWords("Finding duplicates", "Looking for duplicates…", "Looking for duplicates among",
                          "product")
    MOVE = JobWords("Moving photos", "Moving photos…", "Moving", "photo")  # the duplicates dialog's, not a session's
    MATCH = JobWords("Checking new photos", "Looking for the new photos…", "Checking", "new photo")

    @property
    def words(self) -> JobWords:
        """The window's words for this job."""
        return self.value
