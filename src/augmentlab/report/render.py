"""Markdown and HTML reports from a run directory's records (config.json, results.json)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from augmentlab.errors import AugmentlabError
from augmentlab.io_atomic import atomic_path
from augmentlab.report.console import chosen_value, sweep_axis, sweep_mark
from augmentlab.report.numbers import metric_name, with_interval
from augmentlab.report.plots import adaptive_trajectory, learning_curves, strength_curve


def _pct(s: dict) -> str:
    return with_interval(s)


def load_run(run_dir: Path) -> tuple[dict, dict]:
    try:
        config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
        results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise AugmentlabError(f"{run_dir}: not a run directory (missing {Path(e.filename).name})") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise AugmentlabError(f"{run_dir}: unreadable run record ({type(e).__name__})") from None
    except IsADirectoryError as e:
        raise AugmentlabError(f"{run_dir}: {Path(e.filename).name} is a folder; expected a run record") from None
    for name, record in (("config.json", config), ("results.json", results)):
        if not isinstance(record, dict):
            raise AugmentlabError(f"{run_dir / name}: expected a JSON object; got {type(record).__name__}")
    if config.get("command") not in ("evaluate", "sweep", "compare", "search"):
        raise AugmentlabError(f"{run_dir}: unknown run kind {config.get('command')!r}; expected evaluate, sweep, compare or search")
    return config, results


def _tables(config: dict, results: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for each table of the report."""
    if config["command"] == "evaluate":
        rows = [[arm, _pct(results[arm]["test_accuracy"]), f"{100 * results[arm]['train_accuracy']['mean']:.1f}",
                 f"{100 * results[arm]['generalization_gap']['mean']:.1f}"] for arm in ("baseline", "augmented")]
        rows.append(["lift (paired)", _pct(results["lift"]), "", ""])
        if "adaptive" in results:
            a = results["adaptive"]
            rows.append([f"adaptive (final m {a['final_magnitude']['mean']:.2f})", _pct(a["test_accuracy"]),
                         f"{100 * a['train_accuracy']['mean']:.1f}", f"{100 * a['generalization_gap']['mean']:.1f}"])
            rows.append(["adaptive - fixed (paired)", _pct(a["vs_fixed"]), "", ""])
        if "robust_test_accuracy" in results["baseline"]:
            attack = results["augmented"]["runs"][0]["attack"]
            rows += [[f"{arm} under {attack}", _pct(results[arm]["robust_test_accuracy"]), "", ""]
                     for arm in ("baseline", "augmented", "adaptive") if arm in results]
        if "synthetic" in results:
            sy = results["synthetic"]
            rows.append([f"+ {sy['ratio']:g}x {sy['model']} samples", _pct(sy["test_accuracy"]),
                         f"{100 * sy['train_accuracy']['mean']:.1f}", f"{100 * sy['generalization_gap']['mean']:.1f}"])
            rows.append(["synthetic - real only (paired)", _pct(sy["lift_vs_real_only"]), "", ""])
        return [(f"Test {metric_name(results)} (%: mean ± std [95% CI])", ["", "test", "train", "gap"], rows)]
    if config["command"] == "compare":
        rows = [[name, _pct(arm["test_accuracy"]), f"{100 * arm['train_accuracy']['mean']:.1f}",
                 f"{100 * arm['generalization_gap']['mean']:.1f}", _pct(arm["lift"]) if "lift" in arm else ""]
                for name, arm in results["arms"].items()]
        return [(f"Test {metric_name(results)} and paired lift over the baseline (%: mean ± std [95% CI])",
                 ["policy", "test", "train", "gap", "lift"], rows)]
    if config["command"] == "search":
        arms = [("search's best", results["search_best"])] + list(results["baselines"].items())
        rows = [[name, arm["policy"], _pct(arm["val_accuracy"]), _pct(arm["test_accuracy"])] for name, arm in arms]
        versus = [[f"search - {name}", f"{100 * v['difference']:+.1f}" if v["difference"] is not None else "",
                   "" if v["ci_holm"] is None else f"[{100 * v['ci_holm'][0]:+.1f}, {100 * v['ci_holm'][1]:+.1f}]",
                   "" if v["p_holm"] is None else f"{v['p_holm']:.3f}", str(v["seeds"])]
                  for name, v in results.get("search_versus_baselines", {}).items()]
        return [(f"The search's best and the free baselines ({metric_name(results)}, %: mean ± std [95% CI])",
                 ["", "policy", "validation", "test"], rows),
                ("The search's policy against each free baseline on test (paired, points; Holm-adjusted)",
                 ["", "difference", "Holm interval", "Holm p", "seeds"], versus)]
    axis, column = sweep_axis(results)
    rows = [[f"{p[axis]:g}", f"{100 * p['train_accuracy']['mean']:.1f}", _pct(p["val_accuracy"]),
             _pct(p["test_accuracy"]), sweep_mark(results, p[axis])] for p in results["points"]]
    name = metric_name(results)
    return [(f"{name[0].upper()}{name[1:]} against {axis} (%: mean ± std [95% CI])", [column, "train", "validation", "test", ""], rows)]


def _figures(run_dir: Path, config: dict, results: dict) -> list[tuple[str, str]]:
    """Draw the figures into ``run_dir``; return (caption, file name) pairs."""
    figs = []
    if config["command"] == "sweep":
        strength_curve(results, run_dir / "strength.png", f"{results['policy']} on {Path(str(config['data'])).name}", replace=True)
        figs.append(("Strength curve: the sweet spot is chosen on validation", "strength.png"))
        axis, column = sweep_axis(results)
        curves = {f"{column}={p[axis]:g}": p["runs"][0]["history"] for p in results["points"]}
    elif config["command"] == "compare":
        curves = {name: arm["runs"][0]["history"] for name, arm in results["arms"].items()}
    elif config["command"] == "search":  # the trial plots the search drew; its records keep no learning curves
        figs += [(f"Search: {Path(name).stem.removeprefix('search_').replace('_', ' ')}", name)
                 for name in results.get("plots", {}).values() if str(name).endswith(".png") and (run_dir / name).exists()]
        curves = {}
    else:
        curves = {arm: results[arm]["runs"][0]["history"] for arm in ("baseline", "augmented")}
    if any(curves.values()):  # text models keep no step-by-step history
        learning_curves(curves, run_dir / "learning.png", "training loss, seed 0", replace=True)
        figs.append(("Learning curves (seed 0)", "learning.png"))
    if "adaptive" in results:
        adaptive_trajectory(results, run_dir / "adaptive.png", f"adaptive {results['policy']}", replace=True)
        figs.append(("Adaptive strength: magnitude and signal against step", "adaptive.png"))
    for i, (label, kind, shown) in enumerate(_previews(config, results)):
        if kind != "figure":
            continue
        from augmentlab.preview import save_png

        name = f"preview-{i}.png"
        save_png(shown, run_dir / name, replace=True)
        figs.append((f"Preview: originals, then draws of {label}", name))
    return figs


def _policies_to_preview(config: dict, results: dict, modality: str) -> list[tuple[str, object]]:
    from augmentlab.policy import parse_policy

    if config["command"] == "compare":
        return [(spec, parse_policy(spec, modality)) for spec in config["policies"].values()]
    if config["command"] == "search":
        return [(f"chosen: {results['best_policy']}", parse_policy(results["best_policy"], modality))]
    policy = parse_policy(results["policy"], modality)
    if config["command"] == "sweep" and sweep_axis(results)[0] == "ratio":
        return [(results["policy"], policy)]
    if config["command"] == "sweep":
        from augmentlab.policy.magnitude import with_magnitude

        m = chosen_value(results)
        return [(f"{results['policy']} at the sweet spot m={m:g}", with_magnitude(policy, m))]
    return [(results["policy"], policy)]


def _previews(config: dict, results: dict) -> list[tuple[str, str, object]]:
    """``(label, "figure" or "table", what to show)`` for each previewed policy, in the
    style of the data's modality; none if the data is no longer reachable."""
    from augmentlab.data import load_dataset
    from augmentlab.data.read_options import ReadOptions
    from augmentlab.policy.training import TrainingPolicy
    from augmentlab.preview import preview_style

    try:
        ds = load_dataset(config["data"], options=ReadOptions(**config.get("read", {})))
    except (AugmentlabError, TypeError):
        return []
    shown = []
    for label, policy in _policies_to_preview(config, results, ds.modality):
        if isinstance(policy, TrainingPolicy):  # batch-level ops need a model: preview the augmentation part
            policy = policy.image
        made = None if policy is None else preview_style(ds).for_report(ds, policy)
        if made is not None:
            shown.append((label, *made))
    return shown


def _preview_tables(config: dict, results: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    return [(f"Preview: originals, then draws of {label}", *table)
            for label, kind, table in _previews(config, results) if kind == "table"]


def render_report(run_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` (with PNG figures) into ``run_dir``."""
    run_dir = Path(run_dir)
    config, results = load_run(run_dir)
    try:  # everything read from the records before any figure is drawn
        tables = _tables(config, results) + _preview_tables(config, results)
        what = {"compare": lambda: ", ".join(config["policies"]), "search": lambda: f"chose {results['best_policy']}"}.get(
            config["command"], lambda: results["policy"])()
        title = f"augmentlab {config['command']}: {what} on {config['data']}"
        facts = [f"version {config.get('augmentlab_version')}", f"seeds {config.get('seeds')}",
                 f"protocol {json.dumps(results['protocol'])}", f"{results['seconds']:.0f} s"]
        if config["command"] == "search" and "verdict" in results:
            facts.insert(0, f"{results['verdict']}; chosen: {results['best_policy']}, the simplest policy validation "
                            "cannot tell from the best")
        if config["command"] == "sweep":
            axis = sweep_axis(results)[0]
            facts.insert(0, f"chosen {axis} {chosen_value(results):g}: {results.get('chosen_by', 'the best on validation')}; "
                            f"best {axis} {results[f'best_{axis}']:g} (on validation); overdone from "
                            f"{'—' if results['overdone_from'] is None else format(results['overdone_from'], 'g')}")
        figs = _figures(run_dir, config, results)
    except (KeyError, TypeError, IndexError, AttributeError) as e:
        raise AugmentlabError(f"{run_dir}: the run records are incomplete or malformed "
                              f"({type(e).__name__}: {str(e)[:80]}); rerun the command to write them again") from None
    md = [f"# {title}", "", *[f"- {f}" for f in facts], ""]
    for caption, header, rows in tables:
        md += [f"## {caption}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        md += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows] + [""]  # a "|" in text must not split a cell
    for caption, name in figs:
        md += [f"## {caption}", "", f"![{caption}]({name})", ""]
    e = html.escape
    body = [f"<h1>{e(title)}</h1>", "<ul>" + "".join(f"<li>{e(f)}</li>" for f in facts) + "</ul>"]
    for caption, header, rows in tables:
        body.append(f"<h2>{e(caption)}</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>"
                    + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows) + "</table>")
    for caption, name in figs:
        body.append(f"<h2>{e(caption)}</h2><img src=\"{e(name)}\" alt=\"{e(caption)}\">")
    page = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + e(title) + "</title><style>"
            "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}"
            "img{max-width:100%}</style></head><body>" + "".join(body) + "</body></html>")
    paths = (run_dir / "report.md", run_dir / "report.html")
    for path, text in zip(paths, ("\n".join(md), page)):
        with atomic_path(path, replace=True) as tmp:  # our own run directory: a report is redrawn
            tmp.write_text(text, encoding="utf-8")
    return paths
