"""A thread's run settings in its checkpoint metadata: written whole (one key, JSON) by every run, resume and
fork, and read back so the thread continues with them. Threads that older versions started carry a few of them
under keys of their own; those still restore as those versions restored them."""

from __future__ import annotations

from collections.abc import Callable

from sovereign_graph.settings.live import LiveConfig
from sovereign_graph.settings.run import RunSettings

SETTINGS_KEY = "sovereign_settings"
# What older versions recorded, one key each: the source a thread searched, its endpoints and full-text count,
# and the live models by name (a LiveConfig as JSON).
LEGACY_SOURCE_KEY = "sovereign_source"
LEGACY_ARXIV_URL_KEY = "sovereign_arxiv_url"
LEGACY_CORPUS_KEY = "sovereign_corpus"
LEGACY_FULLTEXT_KEY = "sovereign_fulltext"
LEGACY_FULLTEXT_URL_KEY = "sovereign_fulltext_url"
LEGACY_LIVE_KEY = "sovereign_live"

MetadataReader = Callable[[str], str | None]  # key -> the thread's newest value of it, or None


def settings_metadata(settings: RunSettings) -> dict[str, str]:
    return {SETTINGS_KEY: settings.to_json()}


def recorded_settings(read: MetadataReader, current: RunSettings) -> RunSettings | None:
    """The settings the thread recorded, or None if it recorded none (a thread started by Studio or the SDK).

    An older version's thread has only its source (with corpus, full text and URLs) and its live models: those
    are laid over `current` (the settings of the process resuming it), as that version did."""
    whole = read(SETTINGS_KEY)
    if whole is not None:
        return RunSettings.from_json(whole)
    source, live = read(LEGACY_SOURCE_KEY), read(LEGACY_LIVE_KEY)
    if source is None and live is None:
        return None
    updates: dict[str, object] = {}
    if source is not None:
        updates["source"] = source
        updates["corpus"] = read(LEGACY_CORPUS_KEY) or current.corpus
        # A revision round reads as much full text as the first did, from where the first did.
        updates["fulltext"] = int(read(LEGACY_FULLTEXT_KEY) or current.fulltext)
        updates["arxiv_url"] = read(LEGACY_ARXIV_URL_KEY) or current.arxiv_url
        updates["arxiv_fulltext_url"] = read(LEGACY_FULLTEXT_URL_KEY) or current.arxiv_fulltext_url
    if live is not None:
        updates["live"] = LiveConfig.from_json(live)
    return RunSettings.model_validate({**dict(current), **updates})
