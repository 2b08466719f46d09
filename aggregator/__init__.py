"""The course hub's aggregator: plain Python, no Pelican.

registry (OPML) -> fetch -> parse -> normalize/sanitize -> archive -> weeks/cohort.
The Pelican plugin uses only the names exported here.
"""

from .archive import Archive, RecordsOnDemand
from .cohort import Cohort, CohortWeek, Entry, Member, build_cohort
from .config import HubConfig, from_mapping, load_settings
from .embeds import frame_sources
from .errors import AggregatorError, ArchiveError, ConfigError, FeedError, RegistryError
from .moderation import Moderation, current_moderation
from .pipeline import FeedOutcome, UpdateReport, update
from .registry import Participant, load_registry
from .report import outcome_lines, summary, write_health_report

__all__ = [
    "AggregatorError",
    "Archive",
    "ArchiveError",
    "Cohort",
    "CohortWeek",
    "ConfigError",
    "Entry",
    "FeedError",
    "FeedOutcome",
    "HubConfig",
    "Member",
    "Moderation",
    "Participant",
    "RecordsOnDemand",
    "RegistryError",
    "UpdateReport",
    "build_cohort",
    "current_moderation",
    "frame_sources",
    "from_mapping",
    "load_registry",
    "load_settings",
    "outcome_lines",
    "summary",
    "update",
    "write_health_report",
]
