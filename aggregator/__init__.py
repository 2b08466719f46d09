"""The course hub's aggregator: plain Python, no Pelican.

registry (OPML) -> fetch -> parse -> normalize/sanitize -> archive -> weeks/cohort.
The Pelican plugin uses only the names exported here.
"""

from .archive import Archive, RecordsOnDemand
from .cohort import Cohort, CohortWeek, Entry, Member, build_cohort, licence_url, signals_for
from .config import HubConfig, SiteBudget, Term, hub_config, load_settings
from .conversations import Key
from .embeds import frame_sources
from .errors import (
    AggregatorError,
    ArchiveError,
    ConfigError,
    FeedError,
    RegistryError,
    SiteBudgetError,
    exit_code,
)
from .languages import text_direction
from .moderation import Moderation, current_moderation
from .participation import Row, participation, write_participation
from .picture_choice import ShownPictures, shown_pictures
from .picture_store import PictureStore, StoredPicture
from .pipeline import FeedOutcome, UpdateReport, update
from .progress import pages_progress, update_progress
from .registry import Participant, load_registry
from .report import outcome_lines, picture_summary, summary, write_health_report
from .sanitize import with_pictures
from .site_size import SiteSize, append_site_summary, check_budget, measure_site, record_site_size
from .site_view import check_inputs, load_cohort
from .tags import SharedTag, by_week, shared_tags, tag_key
from .term_update import update_terms
from .terms import fetched_count, members_of
from .webmention import write_cards
from .weeks import current_week

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
    "Key",
    "Member",
    "Moderation",
    "Participant",
    "PictureStore",
    "RecordsOnDemand",
    "RegistryError",
    "Row",
    "SharedTag",
    "ShownPictures",
    "SiteBudget",
    "SiteBudgetError",
    "SiteSize",
    "StoredPicture",
    "Term",
    "UpdateReport",
    "append_site_summary",
    "build_cohort",
    "by_week",
    "check_budget",
    "check_inputs",
    "current_moderation",
    "current_week",
    "exit_code",
    "fetched_count",
    "frame_sources",
    "hub_config",
    "licence_url",
    "load_cohort",
    "load_registry",
    "load_settings",
    "measure_site",
    "members_of",
    "outcome_lines",
    "pages_progress",
    "participation",
    "picture_summary",
    "record_site_size",
    "shared_tags",
    "shown_pictures",
    "signals_for",
    "summary",
    "tag_key",
    "text_direction",
    "update",
    "update_progress",
    "update_terms",
    "with_pictures",
    "write_cards",
    "write_health_report",
    "write_participation",
]
