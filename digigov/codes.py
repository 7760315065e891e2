"""The code lists of the survey data, in one place: channels, entity types, service categories, funnel stages
and reasons. Ingest maps an analyst's labels onto these codes, analysis groups and orders by them, presenters
look up their localised names (``channels.channel.<code>``, ``demand.reason.<code>`` in the catalog)."""

from __future__ import annotations

CHANNELS: tuple[str, ...] = ("web", "mobile_app", "self_service_terminal", "counter")
OFFLINE = "prefers_offline"  # the yes/no answer "prefers handling the matter on site"
ENTITY_TYPES: tuple[str, ...] = ("enterprise", "individual_business", "individual")
SERVICE_CATEGORIES: tuple[str, ...] = ("business_registration", "tax", "social_insurance", "permits", "certificates")

STAGES: tuple[str, ...] = ("need", "aware", "used", "completed", "satisfied")
REASONS: tuple[str, ...] = ("unaware", "no_guidance", "no_answer", "prefers_face", "tech_failure", "other")
REASON_COLUMNS: tuple[str, ...] = tuple(f"reason_{r}" for r in REASONS)
