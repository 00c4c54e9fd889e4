"""Makes a pip wheelhouse from the Python distributions installed on this machine.

The local image builds cannot reach PyPI. This machine's Python already has the exact versions the
images pin (Flask, the AWS CLI, ...), so each pinned requirement and everything it needs is packed
back into a wheel from its installed files and RECORD, and the wheels are laid out as a PEP 503
"simple" index that `pip install --index-url http://127.0.0.1:<port>/simple` reads.

Usage: wheelhouse.py [--provided NAME ...] <output dir> <requirements.txt> [<requirements.txt> ...]
A requirement that is not installed here at its pinned version is an error naming it, unless it is
named with --provided (installed in the base image from a Debian package instead).
"""

import base64
import csv
import hashlib
import html
import io
import re
import stat
import sys
import zipfile
from importlib import metadata
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
except ImportError:  # pip vendors packaging; every Python with pip has it
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(lines):
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            yield Requirement(line)


def applies(requirement: Requirement, extras=()) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**default_environment(), "extra": e}) for e in extras or [""])


def closure(requirements, provided):
    """Every installed distribution the requirements need, pins checked against what is installed."""
    found, pending, problems = {}, [(r, ()) for r in requirements], []
    while pending:
        requirement, extras = pending.pop()
        if not applies(requirement, extras):
            continue
        key = normalize(requirement.name)
        if key in provided:
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{requirement}: not installed in {sys.executable}")
            continue
        if requirement.specifier and not requirement.specifier.contains(dist.version, prereleases=True):
            problems.append(f"{requirement}: {dist.version} is installed in {sys.executable}")
            continue
        if key in found:
            continue
        found[key] = dist
        for dependency in dist.requires or []:
            pending.append((Requirement(dependency), tuple(requirement.extras)))
    if problems:
        sys.exit("cannot make the wheelhouse offline:\n  " + "\n  ".join(problems))
    return found


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def wheel_tag(dist) -> str:
    """The compressed tag set of the WHEEL file, e.g. `py2.py3-none-any`, as the wheel file name wants it."""
    wheel = dist.read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    if not tags:
        raise SystemExit(f"{dist.metadata['Name']}: installed without a WHEEL file; cannot repack it")
    parts = [[], [], []]
    for tag in tags:
        for index, part in enumerate(tag.split("-")):
            if part not in parts[index]:
                parts[index].append(part)
    return "-".join(".".join(p) for p in parts)


def wheel_path(dist, entry, data_dir: str):
    """Where an installed file goes in the wheel, or None for what pip makes itself on install:
    byte-code, install records, console-script launchers. Other files in the scripts directory
    (the AWS CLI's `aws`) go back to `<name>.data/scripts/` with the `#!python` shebang wheels use."""
    path = str(entry)
    if "__pycache__" in entry.parts or path.endswith(("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")):
        return None
    if not path.startswith(".."):
        return path
    launchers = {e.name for e in dist.entry_points if e.group in ("console_scripts", "gui_scripts")}
    if entry.parent.name != "bin" or entry.name in launchers:
        return None
    return f"{data_dir}/scripts/{entry.name}"


def script_bytes(data: bytes) -> bytes:
    first, newline, rest = data.partition(b"\n")
    return b"#!python" + newline + rest if first.startswith(b"#!") and b"python" in first else data


def repack(dist, out_dir: Path) -> Path:
    """A wheel of the installed files listed in RECORD."""
    name, version = dist.metadata["Name"], dist.version
    base = Path(dist.locate_file(""))
    dist_info = next(p for p in (dist.files or []) if p.parts[0].endswith(".dist-info")).parts[0]
    stem = f"{re.sub(r'[-.]+', '_', name)}-{version}"
    target = out_dir / f"{stem}-{wheel_tag(dist)}.whl"
    rows, buffer = [], io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for entry in sorted(dist.files or [], key=str):
            path = wheel_path(dist, entry, f"{stem}.data")
            if path is None:
                continue
            data = (base / entry).read_bytes()
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            # pip keeps the mode bits a wheel records: scripts must stay executable.
            info.external_attr = (stat.S_IFREG | (base / entry).stat().st_mode & 0o777 | 0o644) << 16
            if "/scripts/" in path:
                data = script_bytes(data)
                info.external_attr = (stat.S_IFREG | 0o755) << 16
            wheel.writestr(info, data)
            rows.append((path, record_hash(data), str(len(data))))
        record = io.StringIO()
        csv.writer(record, lineterminator="\n").writerows(rows + [(f"{dist_info}/RECORD", "", "")])
        wheel.writestr(f"{dist_info}/RECORD", record.getvalue())
    target.write_bytes(buffer.getvalue())
    return target


def write_index(out_dir: Path, wheels):
    simple = out_dir / "simple"
    projects = {}
    for key, wheel in wheels:
        projects.setdefault(key, []).append(wheel)
    for key, files in projects.items():
        page = simple / key
        page.mkdir(parents=True, exist_ok=True)
        links = "".join(
            f'<a href="../../files/{html.escape(f.name)}#sha256={hashlib.sha256(f.read_bytes()).hexdigest()}">{html.escape(f.name)}</a><br>\n'
            for f in files
        )
        (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
    (simple / "index.html").write_text(
        "<!DOCTYPE html><html><body>\n" + "".join(f'<a href="{k}/">{k}</a><br>\n' for k in sorted(projects)) + "</body></html>\n"
    )


def main(argv):
    provided = set()
    while len(argv) > 2 and argv[1] == "--provided":
        provided.add(normalize(argv[2]))
        argv = argv[:1] + argv[3:]
    if len(argv) < 3:
        sys.exit(__doc__)
    out_dir = Path(argv[1])
    files_dir = out_dir / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    requirements = [r for path in argv[2:] for r in pinned(Path(path).read_text().splitlines())]
    needed = closure(requirements, provided)
    wheels = [(key, repack(dist, files_dir)) for key, dist in sorted(needed.items())]
    write_index(out_dir, wheels)
    for key, wheel in wheels:
        print(f"{key}: {wheel.name}")


if __name__ == "__main__":
    main(sys.argv)
