"""Where the app may listen: loopback without sign-in; a network only with sign-in or the explicit override."""

from digigov.exposure import check_address, run_address


def test_without_sign_in_only_loopback_is_served(tmp_path, monkeypatch):
    monkeypatch.delenv("DIGIGOV_TRUSTED_NETWORK", raising=False)
    assert run_address(tmp_path) == "127.0.0.1"
    assert check_address("127.0.0.1", tmp_path) is None and check_address("localhost", tmp_path) is None
    refusal = check_address("0.0.0.0", tmp_path)
    assert refusal is not None and "sign-in is not configured" in refusal and "DIGIGOV_TRUSTED_NETWORK" in refusal
    assert check_address("10.1.2.3", tmp_path) is not None


def test_sign_in_or_the_override_opens_the_network(tmp_path, monkeypatch):
    monkeypatch.delenv("DIGIGOV_TRUSTED_NETWORK", raising=False)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[auth]\nclient_id = "x"\n', encoding="utf-8")
    assert run_address(tmp_path) == "0.0.0.0" and check_address("0.0.0.0", tmp_path) is None
    (tmp_path / ".streamlit" / "secrets.toml").write_text("[other]\n", encoding="utf-8")
    assert run_address(tmp_path) == "127.0.0.1"
    monkeypatch.setenv("DIGIGOV_TRUSTED_NETWORK", "1")
    assert run_address(tmp_path) == "0.0.0.0"
