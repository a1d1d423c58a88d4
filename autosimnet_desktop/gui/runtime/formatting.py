"""Numbers, times and sizes as a shop owner reads them: '1,234 photos', 'about 2 min left'."""

from __future__ import annotations

from autosimnet_desktop.core.records import IndexReport, Progress


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 photo', '2 photos', '1,234 photos'."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def duration(seconds: float) -> str:
    """A rough human duration: 'under a second', '40 s', '12 min', '1 h 20 min'."""
    if seconds < 1:
        return "under a second"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def file_size(size: int) -> str:
    """'512 bytes', '34 KB', '2.1 MB'."""
    if size < 1024:
        return plural(size, "byte")
    scaled = float(size)
    for unit in ("KB", "MB", "GB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GB":
            return f"{scaled:.0f} {unit}" if scaled >= 10 else f"{scaled:.1f} {unit}"
    raise AssertionError("unreachable")


def percent(similarity: float) -> str:
    """A 0..1 similarity as '93%' (never rounds a near-miss up to 100%)."""
    value = int(similarity * 100) if similarity < 1.0 else 100
    return f"{max(0, value)}%"


def progress_text(progress: Progress, verb: str = "Indexing", noun: str = "photo") -> str:
    """'Indexing 1,234 of 5,000 photos · 250 photos/s · about 20 s left'."""
    if progress.stage == "saving":
        return "Saving…"
    if progress.stage == "checking":
        return f"Checking {plural(progress.total, 'changed file')}…"
    if progress.stage == "scanning" or progress.total <= 0:
        found = f" · {plural(progress.done, noun)} found" if progress.done else ""
        return f"Looking for {noun}s…{found}"
    parts = [f"{verb} {progress.done:,} of {plural(progress.total, noun)}"]
    if progress.rate > 0:
        parts.append(f"{progress.rate:,.0f} {noun}s/s")
    if progress.eta is not None and progress.done < progress.total:
        parts.append("almost done" if progress.eta < 1 else f"about {duration(progress.eta)} left")
    return " · ".join(parts)


def index_report_message(report: IndexReport) -> tuple[str, str, int | None] | None:
    """(text, level, timeout) to show after an indexing run, or None when nothing worth saying happened."""
    if report.cancelled:
        return ("Indexing stopped. Everything indexed so far can be searched; the rest is indexed the next time "
                "you open this folder or choose File ▸ Rescan folder.", "warning", 0)
    if report.message:
        return report.message[:1].upper() + report.message[1:] + ".", "info", None
    if report.new and not report.unchanged:
        return (f"Ready: {plural(report.new, 'photo')} indexed in {duration(report.seconds)}. "
                "Drop a photo to find similar products.", "info", None)
    if report.new or report.changed or report.removed:
        return (f"Catalogue updated: {report.new:,} new, {report.changed:,} changed, {report.removed:,} removed.",
                "info", None)
    return None


def reindexing_message(label: str, old: str, count: int) -> str:
    """Why a catalogue opened with another model than its index is being re-indexed."""
    return (f"Model changed to {label}: re-indexing all {plural(count, 'photo')} "
            f"(they were indexed with {old}). Searches find them again as they are re-indexed.")


def reindexed_message(report: IndexReport, label: str) -> str:
    """The end of the re-indexing a change of model asked for."""
    return (f"Re-indexed {plural(report.new + report.changed, 'photo')} with {label} in "
            f"{duration(report.seconds)}: searches use the new model now.")
