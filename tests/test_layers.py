"""Layers point down only: base -> data -> ops -> policy -> train -> search/synth -> report -> app (lab) -> cli.

Every import in every module counts, the ones inside functions too: a lazy import that
points up is still an arrow up."""

import ast
from pathlib import Path

import augmentlab

ROOT = Path(augmentlab.__file__).parent

# (layer, module prefixes), lowest first; a module belongs to its longest matching prefix
LAYERS = [
    ("base", ["augmentlab", "augmentlab.errors", "augmentlab.rng", "augmentlab.values", "augmentlab.io_atomic",
              "augmentlab.outputs", "augmentlab.data_files", "augmentlab.options", "augmentlab.device", "augmentlab.heap"]),
    ("data", ["augmentlab.data", "augmentlab.modality"]),
    ("ops", ["augmentlab.ops"]),
    ("policy", ["augmentlab.policy"]),
    ("train", ["augmentlab.train", "augmentlab.augment", "augmentlab.preview", "augmentlab.preview_audio",
               "augmentlab.bench", "augmentlab.bench_audio", "augmentlab.bench_detection", "augmentlab.preview_targets",
               "augmentlab.preview_series", "augmentlab.bench_series", "augmentlab.bench_device", "augmentlab.preview_table",
               "augmentlab.torch", "augmentlab.hf", "augmentlab.stream_augment", "augmentlab.stream_pool",
               "augmentlab.stream_ray"]),
    ("search/synth", ["augmentlab.search", "augmentlab.synth", "augmentlab.quality"]),
    ("report", ["augmentlab.report"]),
    ("app", ["augmentlab.lab", "augmentlab.experiment"]),
    ("cli", ["augmentlab.cli", "augmentlab.cli_support", "augmentlab.cli_synth", "augmentlab.cli_lab", "augmentlab.cli_stream"]),
]


def layer_of(module: str) -> int | None:
    matches = [(len(prefix), rank) for rank, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes
               if module == prefix or module.startswith(prefix + ".")]
    return max(matches)[1] if matches else None


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(("augmentlab",) + tuple(p for p in parts if p != "__init__"))


def imports(path: Path) -> list[tuple[str, int]]:
    """Every augmentlab module ``path`` imports, with the line, wherever the import sits."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return [(name, line) for name, line in found if name == "augmentlab" or name.startswith("augmentlab.")]


def upward_imports(root: Path = ROOT) -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        source = module_name(path, root)
        for target, line in imports(path):
            if layer_of(target) > layer_of(source):
                bad.append(f"{source} ({LAYERS[layer_of(source)][0]}) imports {target} "
                           f"({LAYERS[layer_of(target)][0]}) at line {line}")
    return bad


def test_every_module_has_a_layer():
    assert [m for m in map(module_name, ROOT.rglob("*.py")) if layer_of(m) is None] == []
    assert layer_of("augmentlab.report.render") == 6 and layer_of("augmentlab.lab") == 7 and layer_of("augmentlab.cli") == 8 and layer_of("augmentlab") == 0


def test_imports_point_down_only():
    assert upward_imports() == []


def test_an_upward_import_is_caught(tmp_path):
    # the check must be able to fail: a data module reaching up into policy
    package = tmp_path / "augmentlab"
    (package / "data").mkdir(parents=True)
    (package / "data" / "bad.py").write_text("def f():\n    from augmentlab.policy import parse_policy\n")
    assert upward_imports(package) == ["augmentlab.data.bad (data) imports augmentlab.policy (policy) at line 2"]
