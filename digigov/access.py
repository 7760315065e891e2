"""Who may see and change what (issue 18): users, their roles, and the rules every page and action checks on the
server (never only by hiding a widget).

Roles follow the trusted tools (Superset's roles, Metabase's groups):
- viewer: officials; every analysis page and its exports, on the datasets shared with them;
- analyst: also uploads, saves, renames and deletes their own datasets and shares them with a group or everyone;
- admin: every dataset, the settings and the audit log.

Without sign-in configured the app serves this machine only (127.0.0.1) to one local analyst, who owns every dataset
(LOCAL_USER); with sign-in the role comes from an ID-token claim (groups) or a roles file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Role = Literal["viewer", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "admin")
Visibility = Literal["private", "group", "everyone"]
VISIBILITIES: tuple[Visibility, ...] = ("private", "group", "everyone")
LOCAL_ID = "local"
# Group names in the ID token that carry a role, unless a roles file says otherwise.
DEFAULT_GROUP_ROLES: dict[str, Role] = {"digigov-admin": "admin", "digigov-analyst": "analyst"}


@dataclass(frozen=True)
class User:
    id: str  # the ID token's sub (or email): what datasets and the audit log name; never a file's data
    name: str
    role: Role
    groups: tuple[str, ...] = ()
    signed_in: bool = True

    def at_least(self, role: Role) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


LOCAL_USER = User(id=LOCAL_ID, name="local", role="admin", signed_in=False)
NOBODY = User(id="", name="", role="viewer", signed_in=False)  # no rights to anything not shared with everyone
_current: ContextVar[User | None] = ContextVar("digigov_user", default=None)
_sign_in_required = False


def require_sign_in(required: bool = True) -> None:
    """Called once by the app when sign-in is configured: from then on a run that set no user (a fragment's rerun
    in a fresh thread, say) is nobody, never the local user."""
    global _sign_in_required
    _sign_in_required = required


def current_user() -> User:
    """The user of this script run (set by the app on every run); the local user for commands and tests when
    sign-in is not configured."""
    user = _current.get()
    if user is not None:
        return user
    return NOBODY if _sign_in_required else LOCAL_USER


def set_current_user(user: User | None) -> None:
    _current.set(user)


# -- roles ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RoleRules:
    """users: {id or email: role}; groups: {group: role}. A user gets the highest role any rule gives, viewer
    when none does."""

    users: Mapping[str, Role]
    groups: Mapping[str, Role]


def load_role_rules(path: Path | None) -> RoleRules:
    """The roles file (TOML: [users] "alice@example.org" = "analyst", [groups] "dept-a" = "analyst"); the default
    group names when there is none. A role that is not one of ROLES is an error naming the file and entry."""
    if path is None:
        return RoleRules({}, DEFAULT_GROUP_ROLES)
    with path.open("rb") as f:
        raw = tomllib.load(f)
    rules: dict[str, dict[str, Role]] = {"users": {}, "groups": {}}
    for part in rules:
        for key, role in (raw.get(part) or {}).items():
            if role not in ROLES:
                raise ValueError(f"{path.name}: [{part}] {key!r} = {role!r} is not one of {', '.join(ROLES)}")
            rules[part][str(key)] = role
    return RoleRules(rules["users"], rules["groups"] or DEFAULT_GROUP_ROLES)


def user_from_claims(claims: Mapping[str, Any], rules: RoleRules, groups_claim: str = "groups") -> User:
    """A signed-in user from the ID token's claims: id from sub (email when there is no sub), name, groups from
    groups_claim (a list, or one comma-separated text), role by the rules."""
    ident = str(claims.get("sub") or claims.get("email") or "")
    if not ident:
        raise ValueError("the ID token has neither sub nor email")
    raw_groups = claims.get(groups_claim) or ()
    groups = tuple(str(g) for g in (raw_groups.split(",") if isinstance(raw_groups, str) else raw_groups))
    email = str(claims.get("email") or "")
    found: list[Role] = ["viewer"]
    found += [rules.users[k] for k in (ident, email) if k and k in rules.users]
    found += [rules.groups[g] for g in groups if g in rules.groups]
    role = max(found, key=ROLES.index)
    name = str(claims.get("name") or email or ident)
    return User(id=ident, name=name, role=role, groups=groups)


# -- datasets ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sharing:
    """A dataset's owner and who else may see it (kept in the manifest's meta)."""

    owner: str = LOCAL_ID
    visibility: Visibility = "everyone"  # datasets saved before sign-in existed were open to every visitor
    group: str = ""


def sharing_of(meta: Mapping[str, Any] | None) -> Sharing:
    meta = meta or {}
    visibility = meta.get("visibility", "everyone")
    return Sharing(
        owner=str(meta.get("owner") or LOCAL_ID),
        visibility=visibility if visibility in VISIBILITIES else "private",  # an odd value opens nothing
        group=str(meta.get("group") or ""),
    )


def can_see(user: User, meta: Mapping[str, Any] | None) -> bool:
    share = sharing_of(meta)
    if user.role == "admin" or share.owner == user.id or share.visibility == "everyone":
        return True
    return share.visibility == "group" and bool(share.group) and share.group in user.groups


def can_change(user: User, meta: Mapping[str, Any] | None) -> bool:
    """Rename, delete, share or add a version: admins, and analysts on their own datasets."""
    return user.role == "admin" or (user.role == "analyst" and sharing_of(meta).owner == user.id)


def can_upload(user: User) -> bool:
    return user.at_least("analyst")


def can_audit(user: User) -> bool:
    return user.role == "admin"


def visible(user: User, records: Iterable[Any]) -> list[Any]:
    """The records (anything with .meta) the user may see, in order."""
    return [r for r in records if can_see(user, r.meta)]
