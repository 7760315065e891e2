"""Who may see and change what: roles from claims and the roles file, and the dataset rules every page relies on."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digigov import access
from digigov.access import LOCAL_USER, NOBODY, ROLES, RoleRules, User, can_change, can_see, user_from_claims

RULES = RoleRules(users={"alice@example.org": "admin"}, groups={"分析处": "analyst", "digigov-admin": "admin"})


def test_the_role_is_the_highest_any_rule_gives_and_viewer_by_default():
    assert user_from_claims({"sub": "u1"}, RULES).role == "viewer"
    assert user_from_claims({"sub": "u2", "groups": ["分析处"]}, RULES).role == "analyst"
    assert user_from_claims({"sub": "u3", "email": "alice@example.org", "groups": ["分析处"]}, RULES).role == "admin"
    assert user_from_claims({"sub": "u4", "groups": "分析处,other"}, RULES).groups == ("分析处", "other")
    with pytest.raises(ValueError):
        user_from_claims({"name": "no id"}, RULES)


@given(st.lists(st.sampled_from(["分析处", "digigov-admin", "x", "y"]), max_size=4))
def test_roles_never_exceed_what_the_groups_grant(groups):
    user = user_from_claims({"sub": "s", "groups": groups}, RULES)
    granted = ["viewer"] + [RULES.groups[g] for g in groups if g in RULES.groups]
    assert user.role == max(granted, key=ROLES.index)


def test_a_roles_file_is_read_and_a_wrong_role_is_named(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text('[users]\n"bob" = "analyst"\n[groups]\n"处室" = "admin"\n', encoding="utf-8")
    rules = access.load_role_rules(path)
    assert rules.users == {"bob": "analyst"} and rules.groups == {"处室": "admin"}
    path.write_text('[users]\n"bob" = "superuser"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"roles.toml: \[users\] 'bob' = 'superuser'"):
        access.load_role_rules(path)


OWNER = User("owner", "Owner", "analyst", groups=("处室甲",))
OTHER = User("other", "Other", "analyst", groups=("处室乙",))
PEER = User("peer", "Peer", "viewer", groups=("处室甲",))
ADMIN = User("root", "Admin", "admin")


@pytest.mark.parametrize(
    ("meta", "seen_by"),
    [
        ({"owner": "owner", "visibility": "private"}, {"owner", "root"}),
        ({"owner": "owner", "visibility": "group", "group": "处室甲"}, {"owner", "peer", "root"}),
        ({"owner": "owner", "visibility": "group", "group": ""}, {"owner", "root"}),
        ({"owner": "owner", "visibility": "everyone"}, {"owner", "other", "peer", "root"}),
        ({"owner": "owner", "visibility": "odd"}, {"owner", "root"}),  # an unknown value opens nothing
        ({}, {"owner", "other", "peer", "root"}),  # saved before sign-in existed: open, as it was
    ],
)
def test_who_sees_a_dataset(meta, seen_by):
    assert {u.id for u in (OWNER, OTHER, PEER, ADMIN) if can_see(u, meta)} == seen_by


def test_only_the_owning_analyst_or_an_admin_changes_a_dataset():
    meta = {"owner": "owner", "visibility": "everyone"}
    assert can_change(OWNER, meta) and can_change(ADMIN, meta)
    assert not can_change(OTHER, meta) and not can_change(PEER, meta)
    assert not can_change(User("owner", "Owner", "viewer"), meta)  # a viewer owns nothing they can change
    assert can_change(LOCAL_USER, {})  # the one local analyst owns every dataset


def test_a_run_without_a_user_is_nobody_once_sign_in_is_required():
    access.set_current_user(None)
    assert access.current_user() is LOCAL_USER
    access.require_sign_in(True)
    try:
        assert access.current_user() is NOBODY
        assert not can_see(NOBODY, {"owner": "x", "visibility": "private"})
    finally:
        access.require_sign_in(False)
