"""The Python side of the cross-language comparison (test/lang/python.test.ts).

Imports each example's main.py (examples/<name>/main.py), builds the blueprint through the
construct API and synthesizes it into OUTROOT/<name>. When synth refuses (checks fail), it writes
what render_files() returns plus SYNTH-ERROR.txt, exactly like test/lang/examples.ts.

    python synth_examples.py EXAMPLES_DIR OUTROOT name...
"""
import importlib.util
import os
import sys

BUILDERS = {
    "repo-owner": "repo_owner_blueprint",
    "keyless": "keyless_blueprint",
    "platform-team": "platform_team_blueprint",
    "org-blueprint": "org_blueprint_with_overrides",
}


def load(examples: str, name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name.replace('-', '_')}", os.path.join(examples, name, "main.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, BUILDERS[name])


def main() -> None:
    examples, outroot, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    for name in names:
        out = os.path.join(outroot, name)
        bp = load(examples, name)()
        try:
            bp.synth(out)
        except RuntimeError as e:
            # jsii raises the JavaScript error as RuntimeError("<name>: <message>")
            for f, text in bp.render_files().items():
                os.makedirs(os.path.dirname(os.path.join(out, f)), exist_ok=True)
                with open(os.path.join(out, f), "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
            with open(os.path.join(out, "SYNTH-ERROR.txt"), "w", encoding="utf-8", newline="") as fh:
                fh.write(f"{e}\n")
        print(f"{name}: done")


if __name__ == "__main__":
    main()
