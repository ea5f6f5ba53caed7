"""A throw-away PostgreSQL server for bench runs (as .ci/run starts one for the tests).

The server runs as a non-root user (it refuses root: `postgres` when started as root),
listens only on a Unix socket in a private temporary directory (no TCP port), and is
stopped and deleted when the block ends.

    with throwaway_postgres() as url:   # postgresql://abfa@/abfa?host=/tmp/abfa-pg-…
        ...

    python -m bench.postgres    # by hand (docs/deploy.md): prints the URL, runs until Ctrl-C
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def bindir() -> Path:
    """The newest installed server's programs."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if found:
        return found[-1].parent
    if which := shutil.which("pg_ctl"):
        return Path(which).parent
    raise RuntimeError("no PostgreSQL server installed (apt-get install postgresql)")


@contextlib.contextmanager
def throwaway_postgres(database: str = "abfa") -> Iterator[str]:
    """Start a private server with one empty database; yield its URL; stop and delete it."""
    home = Path(tempfile.mkdtemp(prefix="abfa-pg-"))
    as_owner: list[str] = []
    if os.getuid() == 0:
        shutil.chown(home, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    programs = bindir()

    def pg(program: str, *args: str) -> None:
        subprocess.run([*as_owner, str(programs / program), *args], cwd=home, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    data = home / "data"
    try:
        pg("initdb", "-D", str(data), "-U", "abfa", "--auth=trust", "-E", "UTF8", "--no-sync")
        pg("pg_ctl", "-D", str(data), "-l", str(home / "server.log"), "-w", "-o",
           f"-c listen_addresses='' -k {home} -c fsync=off -c synchronous_commit=off"
           " -c full_page_writes=off -c max_connections=60", "start")
        pg("createdb", "-h", str(home), "-U", "abfa", database)
        yield f"postgresql://abfa@/{database}?host={home}"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            pg("pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    """Run a throw-away server until Ctrl-C or SIGTERM; print its URL."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with throwaway_postgres() as url:
        print(f"PostgreSQL is running (Ctrl-C stops and deletes it):\n"
              f"export ABFA_DATABASE='{url}'", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
