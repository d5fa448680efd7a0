"""Installed size of what the PyTorch function really loads, for the local benchmark's package size.

The container image on AWS is about 1.5 GB; locally there is no image, so the honest equivalent is the
bytes on disk the function needs: the interpreter, every native library mapped into the process, every
imported module's file and, for imported packages, the whole installed package directory (torch ships
data and libraries it loads lazily). It imports the handler module exactly as the runtime does, so
model.pt must exist. Prints one JSON object.
"""
import importlib
import json
import os
import sys


def package_root(path: str) -> str:
    """The top-level package directory containing a module file, or the file itself for a lone module."""
    directory = os.path.dirname(path)
    root = None
    while os.path.exists(os.path.join(directory, "__init__.py")):
        root = directory
        directory = os.path.dirname(directory)
    return root or path


def tree_bytes(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for parent, _, files in os.walk(path):
        for name in files:
            full = os.path.join(parent, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
    return total


def main() -> None:
    sys.path.insert(0, os.getcwd())
    importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "lambda_function")
    roots = {os.path.realpath(sys.executable)}
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and os.path.exists(file):
            roots.add(os.path.realpath(package_root(file)))
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and parts[5].startswith("/") and os.path.isfile(parts[5]):
                roots.add(os.path.realpath(parts[5]))
    # A file inside a counted directory must not be counted twice.
    directories = sorted(r for r in roots if os.path.isdir(r))
    files = [r for r in roots if os.path.isfile(r) and not any(r.startswith(d + os.sep) for d in directories)]
    nested = [d for d in directories if any(d != o and d.startswith(o + os.sep) for o in directories)]
    top = [d for d in directories if d not in nested]
    total = sum(tree_bytes(d) for d in top) + sum(os.path.getsize(f) for f in files)
    torch = sys.modules.get("torch")
    print(json.dumps({
        "bytes": total,
        "directories": len(top),
        "files": len(files),
        "torch": getattr(torch, "__version__", None),
        "python": sys.version.split()[0],
    }))


if __name__ == "__main__":
    main()
