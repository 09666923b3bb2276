import pytest

from inventory_checks import (
    fqdn_problems,
    group_overlaps,
    missing_groups,
    missing_secrets,
    weak_bbb_secrets,
)


@pytest.mark.parametrize("name", ["bbb.example.org", "ca.meet.example.coop.", "x-1.example.org"])
def test_fqdn_accepts_qualified_names(name):
    assert fqdn_problems([name]) == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bbb", "not fully qualified"),
        ("bbb_1.example.org", "invalid label"),
        ("-bbb.example.org", "invalid label"),
        ("10.0.0.1", "address"),
        ("", "not a hostname"),
        ("a" * 64 + ".example.org", "invalid label"),
    ],
)
def test_fqdn_rejects_with_reason(name, reason):
    problems = fqdn_problems([name])
    assert len(problems) == 1 and reason in problems[0]


def test_group_overlaps_names_host_and_groups():
    groups = {"source_bbb": ["a", "b"], "target_bbb": ["b", "c"], "source_greenlight": ["g"]}
    assert group_overlaps(groups, [["source_bbb", "target_bbb"], ["source_greenlight", "target_greenlight"]]) == [
        "b is in both source_bbb and target_bbb"
    ]


def test_missing_groups_counts_empty_groups_as_missing():
    assert missing_groups({"a": ["h"], "b": []}, ["a", "b", "c"]) == ["b", "c"]


def test_missing_secrets_returns_names_only():
    assert missing_secrets({"a": "s3cret", "b": None, "c": ""}) == ["b", "c"]


def test_parse_df_reads_the_last_line():
    from inventory_checks import parse_df

    out = ("Filesystem     1-blocks      Used   Available Capacity Mounted on\n"
           "/dev/vda   270000000000 23000000000 86000000000      22% /var/big blue\n")
    assert parse_df(out) == {"mount": "/var/big blue", "size_available": 86000000000}
    with pytest.raises(ValueError):
        parse_df("")


def test_weak_bbb_secrets_names_hosts_whose_secret_bbb_would_refuse():
    hostvars = {"old": {"bbbmig_bbb_secret": "short-secret"}, "new": {"bbbmig_bbb_secret": "a1" * 20},
                "unset": {}, "hex": {"bbbmig_bbb_secret": "0123456789abcdef" * 2}}
    assert weak_bbb_secrets(["old", "new", "unset", "hex", "old"], hostvars) == ["old"]
    assert weak_bbb_secrets([], hostvars) == []
