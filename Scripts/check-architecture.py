#!/usr/bin/env python3
"""Checks the package graph against the architecture in Documentation/Architecture.md.

Run by `make test` before the tests. Reads `swift package describe --type json` and the sources; prints every
violation and exits 1 if there is one:

- SimpleStreams' dependency closure holds no OpenPGP (CGPGME, Verification) and no swift-crypto;
- SquashFS's and ImageContents' hold no OpenPGP, crypto, NIO, HTTP client or YAML (ImageContents may use Yams);
- only the internal Decompression target depends on the C decompression modules (test targets included);
- only the internal SystemLayer target imports Glibc, starts threads or makes Dispatch queues, and it depends on
  swift-system.
"""

import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DECOMPRESSORS = {"CZlib", "CLZMA", "CDeflate", "CZstd", "CLZ4"}
OPENPGP = {"CGPGME", "Verification", "SignedStreams"}
CRYPTO = {"Crypto", "_CryptoExtras", "CCryptoBoringSSL"}
NETWORK = {"AsyncHTTPClient", "NIO", "NIOCore", "NIOPosix", "NIOHTTP1", "NIOSSL", "ImageMirror"}
YAML = {"Yams", "YAMLReading"}

# Module -> names its dependency closure must not contain.
FORBIDDEN = {
    "SimpleStreams": OPENPGP | CRYPTO | NETWORK | YAML,
    "SquashFS": OPENPGP | CRYPTO | NETWORK | YAML,
    "ImageContents": OPENPGP | CRYPTO | NETWORK,
    "ESXiNetwork": OPENPGP | CRYPTO | NETWORK | DECOMPRESSORS,
    "ProgressReporting": OPENPGP | CRYPTO | NETWORK | YAML | DECOMPRESSORS | {"SystemLayer"},
}


def describe():
    result = subprocess.run(
        ["swift", "package", "describe", "--type", "json"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"architecture: `swift package describe` failed:\n{result.stderr}")
    return {target["name"]: target for target in json.loads(result.stdout)["targets"]}


def closure(targets, name):
    """Every target and product `name` depends on, directly or not (products of other packages as leaves)."""
    seen, stack = set(), [name]
    while stack:
        target = targets.get(stack.pop())
        if target is None:
            continue
        for dependency in (target.get("target_dependencies") or []) + (target.get("product_dependencies") or []):
            if dependency not in seen:
                seen.add(dependency)
                stack.append(dependency)
    return seen


def main():
    targets = describe()
    problems = []

    for module, forbidden in FORBIDDEN.items():
        if module not in targets:
            problems.append(f"{module}: no such target")
            continue
        bad = sorted(closure(targets, module) & forbidden)
        if bad:
            problems.append(f"{module} depends (directly or not) on {', '.join(bad)}")

    for name, target in sorted(targets.items()):
        direct = set(target.get("target_dependencies") or [])
        if name != "Decompression" and direct & DECOMPRESSORS:
            problems.append(f"{name} depends directly on {', '.join(sorted(direct & DECOMPRESSORS))}"
                            " (only Decompression may)")

    if "SystemPackage" not in (targets.get("SystemLayer", {}).get("product_dependencies") or []):
        problems.append("SystemLayer does not depend on swift-system")

    system_calls = re.compile(
        r"^\s*(?:@preconcurrency\s+)?(?:(?:public|package|internal)\s+)?import\s+(?:Glibc|Musl|Darwin|Dispatch)\b"
        r"|\bDispatchQueue\s*\(|\bpthread_create\s*\(", re.MULTILINE)
    for folder in ("Sources", "Examples", "Snippets"):
        for path in sorted((ROOT / folder).rglob("*.swift")):
            relative = path.relative_to(ROOT)
            if relative.parts[:2] == ("Sources", "SystemLayer"):
                continue
            text = path.read_text(encoding="utf-8")
            for match in system_calls.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{relative}:{line}: `{match.group(0).strip()}` outside Sources/SystemLayer")

    for problem in problems:
        print(f"architecture: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("architecture: the package graph and the system-call boundary are as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
