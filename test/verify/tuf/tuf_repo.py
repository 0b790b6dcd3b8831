"""A TUF repository for the tests, written with python-tuf (the TUF reference implementation).

Layout under WORK (only WORK/repo is served over HTTP; the keys never are):
  repo/1.root.json ...      every root version (clients walk N+1.root.json)
  repo/timestamp.json       unversioned, as TUF clients fetch it
  repo/N.snapshot.json      consistent snapshots
  repo/N.targets.json
  repo/targets/<sha256>.<name>   hash-prefixed target files
  keys/<role>.pem           PKCS#8 ed25519 private keys (test keys)

Commands:
  init WORK --target NAME=FILE          new repository: root v1, targets/snapshot/timestamp v1
       [--legacy NAME=FILE:USAGE:URI]   a target with Sigstore's legacy custom metadata
                                        ({"sigstore": {"usage": Fulcio|Rekor|CTFE|TSA, "status": "Active", "uri": URI}}),
                                        as the public repository had before trusted_root.json
  publish WORK [--target NAME=FILE]     new targets (when a target is given), snapshot and timestamp
  timestamp WORK --expires ISO8601      a new timestamp version with this expiry
  rogue-targets WORK                    new targets signed by a key the root does not trust
                                        (snapshot and timestamp signed properly)
  rotate-root WORK                      root v+1 with a new root key, signed by the old and the new one
"""
import argparse
import hashlib
import json
import os
import sys
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives import serialization
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

ROLES = ("root", "targets", "snapshot", "timestamp")
SER = JSONSerializer(compact=False)


def expiry(days=30):
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0)


def key_path(work, role):
    return os.path.join(work, "keys", f"{role}.pem")


def save_signer(work, role, signer):
    pem = signer._private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with open(key_path(work, role), "wb") as f:
        f.write(pem)


def load_signer(work, role):
    with open(key_path(work, role), "rb") as f:
        return CryptoSigner(serialization.load_pem_private_key(f.read(), None))


def repo(work, *parts):
    return os.path.join(work, "repo", *parts)


def write(md, path):
    md.to_file(path, SER)


def latest(work, role):
    """the newest versioned file of a role (root, targets, snapshot)"""
    versions = [int(n.split(".")[0]) for n in os.listdir(repo(work)) if n.endswith(f".{role}.json") and n.split(".")[0].isdigit()]
    v = max(versions)
    return Metadata.from_file(repo(work, f"{v}.{role}.json"))


def add_target(work, targets, spec):
    name, file = spec.split("=", 1)
    with open(file, "rb") as f:
        data = f.read()
    tf = TargetFile.from_data(name, data, ["sha256"])
    targets.signed.targets[name] = tf
    os.makedirs(repo(work, "targets"), exist_ok=True)
    with open(repo(work, "targets", f"{tf.hashes['sha256']}.{name}"), "wb") as f:
        f.write(data)


def add_legacy_target(work, targets, spec):
    name, rest = spec.split("=", 1)
    file, usage, uri = rest.split(":", 2)
    with open(file, "rb") as f:
        data = f.read()
    tf = TargetFile.from_data(name, data, ["sha256"])
    tf.unrecognized_fields["custom"] = {"sigstore": {"usage": usage, "status": "Active", "uri": uri}}
    targets.signed.targets[name] = tf
    os.makedirs(repo(work, "targets"), exist_ok=True)
    with open(repo(work, "targets", f"{tf.hashes['sha256']}.{name}"), "wb") as f:
        f.write(data)


def snapshot_and_timestamp(work, targets_version, ts_expires=None):
    snap_prev = None
    try:
        snap_prev = latest(work, "snapshot")
    except ValueError:
        pass
    snapshot = Metadata(Snapshot(expires=expiry()))
    snapshot.signed.version = snap_prev.signed.version + 1 if snap_prev else 1
    snapshot.signed.meta["targets.json"] = MetaFile(version=targets_version)
    snapshot.sign(load_signer(work, "snapshot"))
    write(snapshot, repo(work, f"{snapshot.signed.version}.snapshot.json"))
    ts_prev = None
    if os.path.exists(repo(work, "timestamp.json")):
        ts_prev = Metadata.from_file(repo(work, "timestamp.json"))
    timestamp = Metadata(Timestamp(expires=ts_expires or expiry(1)))
    timestamp.signed.version = ts_prev.signed.version + 1 if ts_prev else 1
    raw = snapshot.to_bytes(SER)
    timestamp.signed.snapshot_meta = MetaFile(
        version=snapshot.signed.version, length=len(raw), hashes={"sha256": hashlib.sha256(raw).hexdigest()})
    timestamp.sign(load_signer(work, "timestamp"))
    write(timestamp, repo(work, "timestamp.json"))


def cmd_init(a):
    os.makedirs(repo(a.work), exist_ok=True)
    os.makedirs(os.path.join(a.work, "keys"), exist_ok=True)
    root = Metadata(Root(expires=expiry(365)))
    for role in ROLES:
        signer = CryptoSigner.generate_ed25519()
        save_signer(a.work, role, signer)
        root.signed.add_key(signer.public_key, role)
    root.sign(load_signer(a.work, "root"))
    write(root, repo(a.work, "1.root.json"))
    targets = Metadata(Targets(expires=expiry(90)))
    for spec in a.target or []:
        add_target(a.work, targets, spec)
    for spec in a.legacy or []:
        add_legacy_target(a.work, targets, spec)
    targets.sign(load_signer(a.work, "targets"))
    write(targets, repo(a.work, "1.targets.json"))
    snapshot_and_timestamp(a.work, 1)


def cmd_publish(a):
    prev = latest(a.work, "targets")
    targets = Metadata(Targets(expires=expiry(90), targets=dict(prev.signed.targets)))
    targets.signed.version = prev.signed.version + 1
    for spec in a.target or []:
        add_target(a.work, targets, spec)
    targets.sign(load_signer(a.work, "targets"))
    write(targets, repo(a.work, f"{targets.signed.version}.targets.json"))
    snapshot_and_timestamp(a.work, targets.signed.version)


def cmd_timestamp(a):
    snap = latest(a.work, "snapshot")
    prev = Metadata.from_file(repo(a.work, "timestamp.json"))
    timestamp = Metadata(Timestamp(expires=datetime.fromisoformat(a.expires.replace("Z", "+00:00"))))
    timestamp.signed.version = prev.signed.version + 1
    raw = snap.to_bytes(SER)
    timestamp.signed.snapshot_meta = MetaFile(
        version=snap.signed.version, length=len(raw), hashes={"sha256": hashlib.sha256(raw).hexdigest()})
    timestamp.sign(load_signer(a.work, "timestamp"))
    write(timestamp, repo(a.work, "timestamp.json"))


def cmd_rogue_targets(a):
    prev = latest(a.work, "targets")
    targets = Metadata(Targets(expires=expiry(90), targets=dict(prev.signed.targets)))
    targets.signed.version = prev.signed.version + 1
    targets.sign(CryptoSigner.generate_ed25519())
    write(targets, repo(a.work, f"{targets.signed.version}.targets.json"))
    snapshot_and_timestamp(a.work, targets.signed.version)


def cmd_rotate_root(a):
    prev = latest(a.work, "root")
    old = load_signer(a.work, "root")
    new = CryptoSigner.generate_ed25519()
    root = Metadata(Root.from_dict(json.loads(json.dumps(prev.signed.to_dict()))))
    root.signed.version = prev.signed.version + 1
    root.signed.expires = expiry(365)
    root.signed.revoke_key(old.public_key.keyid, "root")
    root.signed.add_key(new.public_key, "root")
    root.sign(old, append=True)
    root.sign(new, append=True)
    save_signer(a.work, "root", new)
    write(root, repo(a.work, f"{root.signed.version}.root.json"))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("init", "publish"):
        s = sub.add_parser(name)
        s.add_argument("work")
        s.add_argument("--target", action="append")
        s.add_argument("--legacy", action="append")
    s = sub.add_parser("timestamp")
    s.add_argument("work")
    s.add_argument("--expires", required=True)
    sub.add_parser("rogue-targets").add_argument("work")
    sub.add_parser("rotate-root").add_argument("work")
    a = p.parse_args()
    {"init": cmd_init, "publish": cmd_publish, "timestamp": cmd_timestamp,
     "rogue-targets": cmd_rogue_targets, "rotate-root": cmd_rotate_root}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
