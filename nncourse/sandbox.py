"""Run student code where it cannot reach the course: bubblewrap, an unprivileged user, limits.

Both places where nbgrader runs a student's code go through :func:`wrap`: the
grading kernel (``python -m nncourse.sandbox kernel {connection_file}``, the
argv of :func:`kernel_spec`) and the fresh process that re-derives the scores
(``nncourse.regrade``). Inside the sandbox the process sees only the operating
system's ``/usr``, the Python environment, the ``nncourse`` package, the data
sets, a private work folder and a private ``/tmp``; no network (new network
namespace), no other processes (new PID namespace), a clean environment (no
database URL), and, when the grader runs as root, the uid/gid ``nobody`` with
every capability dropped. The course root (``source/``, the gradebook,
``submitted/``, ``autograded/``, other students' folders) is simply not there.

Fail closed: when the sandbox is requested and bubblewrap cannot start, the
student's code does not run at all (:class:`SandboxUnavailable`).

The kernel talks to nbgrader over IPC sockets (there is no TCP between network
namespaces) in a folder of its own, so two kernels graded in parallel cannot
reach each other's sockets; ``interrupt_mode`` is ``message`` because a SIGINT
on timeout would kill bubblewrap instead of interrupting the cell.
"""

from __future__ import annotations

import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nncourse

KERNEL_NAME = "nncourse-sandbox"
SANDBOX_UID = 65534  # nobody
WORKDIR = "/home/alumno"
CONNECTION_FILE = "/tmp/conexion.json"
# TensorFlow's import alone maps about 2 GB of address space.
DEFAULT_MEMORY_LIMIT = 4 * 1024**3
# The only variables a student's process inherits (no credentials, no course paths).
PASSED_ENV = (
    "LANG", "LC_ALL", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "PYTHONWARNINGS", "MPLBACKEND",
    "NNCOURSE_DATA_DIR", "NNCOURSE_OFFLINE", "NBGRADER_EXECUTION", "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
)


class SandboxUnavailable(RuntimeError):
    """The sandbox was requested but cannot run here: student code must not run."""


@functools.lru_cache(maxsize=None)
def bwrap_works() -> bool:
    """Whether bubblewrap can create the namespaces it needs on this machine."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False
    probe = [bwrap, *_namespaces(), "--ro-bind", "/", "/", "true"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def resolve_mode(mode: str) -> bool:
    """``auto`` | ``required`` | ``off`` → whether to sandbox; ``required`` without bwrap fails closed."""
    if mode == "off":
        return False
    if mode == "auto":
        return bwrap_works()
    if mode == "required":
        if not bwrap_works():
            raise SandboxUnavailable(
                "Se pidió aislar el código del alumnado (NNCOURSE_SANDBOX=required) pero bubblewrap no "
                "funciona aquí: instala el paquete bubblewrap o permite los espacios de nombres de usuario."
            )
        return True
    raise ValueError(f"modo de aislamiento desconocido: {mode!r} (auto, required u off)")


def _namespaces() -> list[str]:
    # As root no user namespace, so setpriv can switch to nobody; otherwise one is needed.
    user = [] if os.geteuid() == 0 else ["--unshare-user"]
    return [*user, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]


def _visible_paths() -> list[Path]:
    """What the student's process may read: the Python environment, nncourse, the data sets."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(nncourse.__file__).resolve().parent}
    for variable in ("NNCOURSE_DATA_DIR", "KERAS_HOME"):
        if os.environ.get(variable):
            paths.add(Path(os.environ[variable]))
    paths.add(Path.home() / ".keras" / "datasets")
    return sorted(p for p in paths if p.exists() and not str(p).startswith("/usr"))


def _parents(path: Path) -> list[str]:
    """bwrap creates missing parents as root-only folders: create them readable first."""
    args = []
    for parent in reversed(path.parents[:-1]):
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def wrap(argv: list[str], files: Path | None = None, rw: tuple[Path, ...] = (), extra_fds: dict[int, str] | None = None) -> list[str]:
    """The command that runs ``argv`` in the sandbox.

    ``files``: a folder whose files (not notebooks) the student's code may read in its
    work folder; ``rw``: host folders it may write (the kernel's IPC sockets);
    ``extra_fds``: open file descriptor → path where its contents appear, read-only.
    """
    bwrap = shutil.which("bwrap")
    if bwrap is None or not bwrap_works():
        raise SandboxUnavailable("bubblewrap no está disponible: no se ejecuta código del alumnado sin aislar")
    args = [bwrap, *_namespaces(), "--die-with-parent", "--new-session", "--clearenv"]
    args += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64", "sbin"):
        if Path("/", name).is_symlink():
            args += ["--symlink", os.readlink(Path("/", name)), f"/{name}"]
        elif Path("/", name).exists():
            args += ["--ro-bind", f"/{name}", f"/{name}"]
    for name in ("/etc/ld.so.cache", "/etc/fonts", "/etc/localtime", "/etc/alternatives"):
        args += ["--ro-bind-try", name, name]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    for path in _visible_paths():
        args += _parents(path) + ["--ro-bind", str(path), str(path)]
    args += _parents(Path(WORKDIR)) + ["--perms", "0777", "--tmpfs", WORKDIR]
    if files is not None:
        for entry in sorted(Path(files).iterdir()):
            if entry.is_file() and entry.suffix != ".ipynb" and not entry.name.startswith("."):
                args += ["--ro-bind", str(entry), f"{WORKDIR}/{entry.name}"]
    for path in rw:
        args += _parents(Path(path)) + ["--bind", str(path), str(path)]
    for fd, dest in (extra_fds or {}).items():
        args += ["--perms", "0444", "--file", str(fd), dest]
    for name in PASSED_ENV:
        if name in os.environ:
            args += ["--setenv", name, os.environ[name]]
    args += ["--setenv", "HOME", WORKDIR, "--setenv", "PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin",
             "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib", "--chdir", WORKDIR, "--"]
    if os.geteuid() == 0:
        args += ["setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups",
                 "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all"]
    return args + list(argv)


def limit_memory(limit: int = DEFAULT_MEMORY_LIMIT) -> None:
    """Cap this process's address space (inherited by what it runs): a memory bomb gets MemoryError."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def kernel_spec(memory_limit: int = DEFAULT_MEMORY_LIMIT) -> dict:
    """The kernelspec whose kernels run in the sandbox."""
    return {
        "argv": [sys.executable, "-m", "nncourse.sandbox", "kernel", "--memory", str(memory_limit), "{connection_file}"],
        "display_name": "Python 3 (corrección aislada)",
        "language": "python",
        "interrupt_mode": "message",
        "metadata": {"debugger": False},
    }


def install_kernelspec(prefix: str | None = None, memory_limit: int = DEFAULT_MEMORY_LIMIT) -> Path:
    """Install :func:`kernel_spec` as ``nncourse-sandbox`` (in this environment by default)."""
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "kernel.json").write_text(json.dumps(kernel_spec(memory_limit), indent=1), encoding="utf-8")
        return Path(KernelSpecManager().install_kernel_spec(tmp, KERNEL_NAME, prefix=prefix or sys.prefix))


def run_kernel(connection_file: str, memory_limit: int, kernel_args: list[str]) -> None:
    """Replace this process with an IPython kernel in the sandbox (the kernelspec's wrapper)."""
    with open(connection_file, encoding="utf-8") as handle:
        connection = json.load(handle)
    if connection.get("transport") != "ipc":
        raise SandboxUnavailable("el kernel aislado necesita el transporte IPC (no hay TCP entre espacios de red)")
    fd = os.open(connection_file, os.O_RDONLY)
    os.set_inheritable(fd, True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", CONNECTION_FILE, *kernel_args]
    command = wrap(argv, files=Path.cwd(), rw=(Path(connection["ip"]).parent,), extra_fds={fd: CONNECTION_FILE})
    limit_memory(memory_limit)
    os.execvp(command[0], command)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m nncourse.sandbox", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    kernel = commands.add_parser("kernel", help="arranca un kernel de IPython aislado (lo usa el kernelspec)")
    kernel.add_argument("--memory", type=int, default=DEFAULT_MEMORY_LIMIT)
    kernel.add_argument("connection_file")
    install = commands.add_parser("install", help=f"instala el kernelspec {KERNEL_NAME}")
    install.add_argument("--prefix")
    args, kernel_args = parser.parse_known_args(argv)  # nbclient appends the kernel's own options
    if args.command == "kernel":
        run_kernel(args.connection_file, args.memory, kernel_args)
    else:
        print(install_kernelspec(args.prefix))


if __name__ == "__main__":
    main()
