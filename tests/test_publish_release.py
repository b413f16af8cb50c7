"""The atomic release flow against a loopback fake of GitHub's REST API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from registry.errors import GitHubError, PublishError, SignatureError
from registry.publish.github import GitHubClient
from registry.publish.release import (
    INDEX_ASSET,
    SIGNATURE_ASSET,
    SignedIndex,
    is_index_tag,
    publish_release,
    release_tag,
    verified_index,
)
from registry.signing import generate_keypair, sign_index, verify_index
from tests.fake_github import (
    TOKEN,
    FakeGitHub,
    Fault,
    read_latest_via_api,
    read_latest_via_web,
)


@dataclass(frozen=True)
class Keys:
    public: str
    private: str


@pytest.fixture(scope="module")
def keys() -> Keys:
    public, private = generate_keypair()
    return Keys(public, private)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


def client_for(fake: FakeGitHub, token: str | None = TOKEN) -> GitHubClient:
    return GitHubClient(fake.repo, token, api_url=fake.api_url)


def index_bytes(second: int, servers: str = "{}") -> bytes:
    generated = f"2026-01-01T00:00:{second:02d}Z"
    return f'{{"schemaVersion":1,"generated":"{generated}","servers":{servers}}}'.encode()


def signed(keys: Keys, second: int = 0) -> SignedIndex:
    index = index_bytes(second)
    return verified_index(index, sign_index(index, keys.private).encode(), [keys.public])


def seed_previous(fake: FakeGitHub, keys: Keys, second: int = 0) -> SignedIndex:
    previous = signed(keys, second)
    fake.seed_release(previous.tag, dict(previous.assets))
    return previous


def assert_live_pair_verifies(fake: FakeGitHub, keys: Keys, tag: str) -> None:
    pair = read_latest_via_api(fake)
    assert pair is not None and pair.tag == tag
    verify_index(pair.index, pair.signature.decode(), [keys.public])
    web, _ = read_latest_via_web(fake)
    assert web is not None and web.tag == tag
    verify_index(web.index, web.signature.decode(), [keys.public])


def test_tag_comes_from_generated(keys: Keys) -> None:
    assert signed(keys, 7).tag == "index-20260101T000007Z"
    assert is_index_tag(release_tag(signed(keys).generated))
    assert not is_index_tag("v1.0.0")
    assert not is_index_tag("index-latest")


def test_full_release_publishes_both_assets_and_marks_latest(
    fake: FakeGitHub, keys: Keys
) -> None:
    new = signed(keys, 1)
    log: list[str] = []
    result = publish_release(
        client_for(fake), new, [keys.public], target_commitish="abc123", log=log.append
    )
    assert result.created and result.tag == new.tag
    assert result.uploaded == [INDEX_ASSET, SIGNATURE_ASSET]
    assert result.warnings == []
    latest = fake.latest()
    assert latest is not None and latest.tag_name == new.tag and not latest.draft
    assert {a.name: a.data for a in latest.assets} == dict(new.assets)
    assert fake.tags[new.tag] == "abc123"
    assert_live_pair_verifies(fake, keys, new.tag)
    assert any("published and marked latest" in line for line in log)


def test_uploads_go_to_the_upload_url_and_the_token_never_reaches_storage(
    fake: FakeGitHub, keys: Keys
) -> None:
    publish_release(client_for(fake), signed(keys, 1), [keys.public])
    uploads = [r for r in fake.requests if r.method == "POST" and r.host == "uploads"]
    assert len(uploads) == 2 and all(r.authorized for r in uploads)
    storage = [r for r in fake.requests if r.host == "storage"]
    # Both assets were downloaded back (verification) through the storage redirect.
    assert len(storage) >= 2
    assert not any(r.authorized for r in storage)


def test_previous_release_stays_and_switch_is_one_step(fake: FakeGitHub, keys: Keys) -> None:
    previous = seed_previous(fake, keys, 0)
    new = signed(keys, 1)
    publish_release(client_for(fake), new, [keys.public])
    assert [r.draft for r in fake.by_tag(previous.tag)] == [False]
    assert_live_pair_verifies(fake, keys, new.tag)
    # Exactly one call changed what is live: the PATCH that published the draft.
    patches = [r for r in fake.mutating_requests() if r.method == "PATCH"]
    assert len(patches) == 1


FAULTS = [
    pytest.param(Fault("upload", "disconnect", asset_name=SIGNATURE_ASSET), id="drop-sig-upload"),
    pytest.param(Fault("upload", "status", asset_name=INDEX_ASSET, status=500), id="500-index"),
    pytest.param(Fault("upload", "partial", asset_name=SIGNATURE_ASSET), id="partial-sig"),
    pytest.param(Fault("upload", "corrupt", asset_name=INDEX_ASSET), id="corrupt-index"),
    pytest.param(Fault("update", "status", status=502), id="publish-call-fails"),
    pytest.param(Fault("create", "status", status=500), id="create-fails"),
]


@pytest.mark.parametrize("fault", FAULTS)
def test_failure_mid_publish_leaves_previous_latest_then_rerun_converges(
    fake: FakeGitHub, keys: Keys, fault: Fault
) -> None:
    previous = seed_previous(fake, keys, 0)
    before = fake.snapshot()["releases"][fake.by_tag(previous.tag)[0].id]
    new = signed(keys, 1)
    fake.inject(fault)
    with pytest.raises(PublishError):
        publish_release(client_for(fake), new, [keys.public])
    # What is live is the previous release, complete and consistent.
    assert fake.snapshot()["releases"][fake.by_tag(previous.tag)[0].id] == before
    assert_live_pair_verifies(fake, keys, previous.tag)
    assert new.tag not in fake.tags
    assert all(r.draft for r in fake.by_tag(new.tag))

    result = publish_release(client_for(fake), new, [keys.public])
    assert [r.draft for r in fake.by_tag(new.tag)] == [False]
    assert result.tag == new.tag
    assert_live_pair_verifies(fake, keys, new.tag)
    release = fake.by_tag(new.tag)[0]
    assert sorted(a.name for a in release.assets) == [INDEX_ASSET, SIGNATURE_ASSET]
    assert all(a.state == "uploaded" for a in release.assets)


def test_rerun_keeps_identical_assets_and_replaces_different_ones(
    fake: FakeGitHub, keys: Keys
) -> None:
    new = signed(keys, 1)
    draft = fake.seed_release(
        new.tag,
        {INDEX_ASSET: new.index, SIGNATURE_ASSET: b"0" * 128 + b"\n", "stray.txt": b"x"},
        draft=True,
    )
    kept_id = next(a.id for a in draft.assets if a.name == INDEX_ASSET)
    result = publish_release(client_for(fake), new, [keys.public])
    assert not result.created
    assert result.kept == [INDEX_ASSET]
    assert result.uploaded == [SIGNATURE_ASSET]
    release = fake.by_tag(new.tag)[0]
    assert release.id == draft.id and not release.draft
    assert {a.name: a.data for a in release.assets} == dict(new.assets)
    assert next(a.id for a in release.assets if a.name == INDEX_ASSET) == kept_id


def test_publishing_the_same_index_twice_is_a_no_op(fake: FakeGitHub, keys: Keys) -> None:
    new = signed(keys, 1)
    publish_release(client_for(fake), new, [keys.public])
    before = fake.snapshot()
    count = len(fake.mutating_requests())
    result = publish_release(client_for(fake), new, [keys.public])
    assert result.already_published and result.uploaded == []
    assert fake.snapshot() == before
    assert len(fake.mutating_requests()) == count


def test_a_published_release_is_never_changed(fake: FakeGitHub, keys: Keys) -> None:
    new = signed(keys, 1)
    other_index = index_bytes(1, '{"x":{"latest":"1.0.0","versions":{}}}')
    fake.seed_release(new.tag, {INDEX_ASSET: other_index, SIGNATURE_ASSET: b"00\n"})
    before = fake.snapshot()
    with pytest.raises(PublishError, match="never changed"):
        publish_release(client_for(fake), new, [keys.public])
    assert fake.snapshot() == before


def test_refuses_to_roll_back_the_latest_release(fake: FakeGitHub, keys: Keys) -> None:
    seed_previous(fake, keys, 5)
    before = fake.snapshot()
    with pytest.raises(PublishError, match="newer index"):
        publish_release(client_for(fake), signed(keys, 1), [keys.public])
    assert fake.snapshot() == before
    assert fake.mutating_requests() == []


def test_a_concurrent_newer_release_stays_latest(fake: FakeGitHub, keys: Keys) -> None:
    seed_previous(fake, keys, 0)
    newer = signed(keys, 9)
    # Another publisher releases a newer index while ours is between check and switch.

    def concurrent_publish() -> None:
        fake.seed_release(newer.tag, dict(newer.assets))

    fake.before_update = concurrent_publish
    result = publish_release(client_for(fake), signed(keys, 1), [keys.public])
    assert any("newer index" in warning for warning in result.warnings)
    assert_live_pair_verifies(fake, keys, newer.tag)
    assert [r.draft for r in fake.by_tag(signed(keys, 1).tag)] == [False]


def test_refuses_non_ascii_signature_bytes(fake: FakeGitHub, keys: Keys) -> None:
    forged = SignedIndex(index_bytes(1), "é".encode() * 64, signed(keys).generated)
    with pytest.raises(PublishError, match="not ASCII"):
        publish_release(client_for(fake), forged, [keys.public])
    assert fake.requests == []


def test_refuses_an_index_that_does_not_verify(fake: FakeGitHub, keys: Keys) -> None:
    _, other_private = generate_keypair()
    index = index_bytes(1)
    with pytest.raises(SignatureError):
        verified_index(index, sign_index(index, other_private).encode(), [keys.public])
    forged = SignedIndex(index, sign_index(index, other_private).encode(), signed(keys).generated)
    with pytest.raises(SignatureError):
        publish_release(client_for(fake), forged, [keys.public])
    assert fake.requests == []


def test_pruning_keeps_the_newest_30_index_releases(keys: Keys) -> None:
    with FakeGitHub(max_per_page=7) as fake:  # forces the client through several pages
        for second in range(35):
            seed_previous(fake, keys, second)
        fake.seed_release("v1.0.0", {"notes.txt": b"not an index"}, latest=False)
        fake.seed_release("index-latest", {"x": b"y"}, latest=False)
        stale_tag = "index-20251231T000000Z"  # a draft left by an older failed publish
        fake.seed_release(stale_tag, {}, draft=True)
        new = signed(keys, 40)
        result = publish_release(client_for(fake), new, [keys.public])
        index_tags = sorted(
            r.tag_name for r in fake.releases.values() if is_index_tag(r.tag_name)
        )
        assert len(index_tags) == 30
        assert index_tags[-1] == new.tag
        assert index_tags[0] == signed(keys, 6).tag
        assert {"v1.0.0", "index-latest"} <= {r.tag_name for r in fake.releases.values()}
        assert not any(r.draft for r in fake.releases.values())
        # The six oldest releases (and their tags) and the stale draft.
        assert sorted(result.pruned) == [stale_tag] + [signed(keys, s).tag for s in range(6)]
        assert all(tag not in fake.tags for tag in result.pruned)
        assert_live_pair_verifies(fake, keys, new.tag)


def test_prune_failure_is_a_warning_after_the_switch(fake: FakeGitHub, keys: Keys) -> None:
    for second in range(31):
        seed_previous(fake, keys, second)
    fake.inject(Fault("delete_release", "status", status=500))
    result = publish_release(client_for(fake), signed(keys, 40), [keys.public])
    assert any("could not prune" in w for w in result.warnings)
    assert_live_pair_verifies(fake, keys, signed(keys, 40).tag)


def test_concurrent_reader_never_sees_an_unverifiable_index(
    fake: FakeGitHub, keys: Keys
) -> None:
    seed_previous(fake, keys, 0)
    fake.upload_delay = 0.02  # widen the window in which a torn state could be seen
    stop = threading.Event()
    problems: list[str] = []
    seen: dict[str, int] = {}
    reads = {"api": 0, "web-same-tag": 0, "web-switched": 0}

    def reader() -> None:
        while not stop.is_set():
            try:
                pair = read_latest_via_api(fake)
                if pair is None:
                    problems.append("releases/latest answered 404")
                    continue
                verify_index(pair.index, pair.signature.decode(), [keys.public])
                reads["api"] += 1
                seen[pair.tag or "?"] = seen.get(pair.tag or "?", 0) + 1
                web, _ = read_latest_via_web(fake)
                if web is None:
                    problems.append("latest/download answered 404")
                elif web.tag is None:
                    # The two downloads straddled the switch: each half is a whole
                    # release's file, so a client re-fetches; never a torn release.
                    reads["web-switched"] += 1
                else:
                    verify_index(web.index, web.signature.decode(), [keys.public])
                    reads["web-same-tag"] += 1
            except Exception as error:  # any failure of a read is a finding
                problems.append(repr(error))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for second in range(1, 6):
            publish_release(client_for(fake), signed(keys, second), [keys.public])
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert problems == []
    assert reads["api"] > 0 and reads["web-same-tag"] > 0
    assert_live_pair_verifies(fake, keys, signed(keys, 5).tag)
    print(f"reader: {reads}, tags seen: {seen}")


def test_bad_token_is_reported_without_the_token(fake: FakeGitHub, keys: Keys) -> None:
    secret = "ghp_" + "x" * 36
    with pytest.raises(GitHubError) as info:
        publish_release(client_for(fake, token=secret), signed(keys, 1), [keys.public])
    assert info.value.status == 401
    assert secret not in str(info.value)
    assert "check the token" in str(info.value)
    assert secret not in repr(client_for(fake, token=secret))


def test_unreachable_api_is_a_publish_error(keys: Keys) -> None:
    with FakeGitHub() as fake:
        url = fake.api_url
    client = GitHubClient("gigmcp/registry", TOKEN, api_url=url)
    with pytest.raises(GitHubError):
        publish_release(client, signed(keys, 1), [keys.public])


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.github.com", True),
        ("https://ghe.example.com/api/v3", True),
        ("http://127.0.0.1:8080", True),
        ("http://api.github.com", False),
        ("file:///etc/passwd", False),
        ("ftp://example.com", False),
    ],
)
def test_api_url_must_be_https_except_on_loopback(url: str, ok: bool) -> None:
    if ok:
        GitHubClient("o/r", None, api_url=url)
    else:
        with pytest.raises(PublishError, match="https"):
            GitHubClient("o/r", None, api_url=url)


@pytest.mark.parametrize("repo", ["", "owner", "owner/name/extra", "own er/x", "../x"])
def test_repo_must_be_owner_slash_name(repo: str) -> None:
    with pytest.raises(PublishError, match="OWNER/NAME"):
        GitHubClient(repo, None)
