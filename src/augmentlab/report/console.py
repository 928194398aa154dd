"""Rich tables for the terminal: evaluation, comparison and sweep results."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from augmentlab.report.numbers import interval, metric_name, spread, with_interval


def sweep_axis(results: dict) -> tuple[str, str]:
    """What a sweep varied ("magnitude" or "ratio") and its short column name."""
    axis = results.get("axis", "magnitude")
    return axis, {"magnitude": "m", "ratio": "synthetic : real"}[axis]


def chosen_value(results: dict) -> float:
    """The value a sweep chose by the one-standard-error rule (runs recorded before the
    rule: the best on validation)."""
    axis = sweep_axis(results)[0]
    return results.get(f"chosen_{axis}", results[f"best_{axis}"])


def sweep_mark(results: dict, m: float) -> str:
    """How a sweep point is labelled: chosen (the sweet spot), best on validation when
    that differs, overdone, or nothing."""
    best, chosen = results[f"best_{sweep_axis(results)[0]}"], chosen_value(results)
    if m == chosen:
        return "sweet spot" if chosen == best else "sweet spot (one-SE rule)"
    if m == best:
        return "best on validation"
    overdone = results["overdone_from"]
    return "overdone" if overdone is not None and m >= overdone else ""


def print_sweep(results: dict) -> None:
    axis, column = sweep_axis(results)
    what = "magnitude" if axis == "magnitude" else f"the ratio of {results['model']} samples to real images"
    table = Table(title=f"{results['policy']}: {metric_name(results)} against {what} (mean ± std, %)")
    for col in (column, "train", "validation", "test", ""):
        table.add_column(col)
    for p in results["points"]:
        m = p[axis]
        table.add_row(f"{m:g}", f"{100 * p['train_accuracy']['mean']:.1f}",
                      spread(p["val_accuracy"]), spread(p["test_accuracy"]), sweep_mark(results, m))
    console = Console()
    console.print(table)
    if "chosen_by" in results:
        console.print(f"chosen {column}={chosen_value(results):g}: {results['chosen_by']}")


def print_evaluation(results: dict) -> None:
    pct = with_interval

    table = Table(title=f"{results['policy']} on {results['data']} (mean ± std [95% CI], %)")
    name = metric_name(results)
    for col in ("", f"test {name}", f"train {name}", "generalisation gap"):
        table.add_column(col)
    for name in ("baseline", "augmented"):
        r = results[name]
        table.add_row(name, pct(r["test_accuracy"]), f"{100 * r['train_accuracy']['mean']:.1f}", f"{100 * r['generalization_gap']['mean']:.1f}")
    table.add_row("lift", pct(results["lift"]), "", "")
    if "synthetic" in results:
        sy = results["synthetic"]
        table.add_row(f"+ {sy['ratio']:g}x {sy['model']} samples", pct(sy["test_accuracy"]),
                      f"{100 * sy['train_accuracy']['mean']:.1f}", f"{100 * sy['generalization_gap']['mean']:.1f}")
        table.add_row("synthetic - real only", pct(sy["lift_vs_real_only"]), "", "")
    if "adaptive" in results:
        a = results["adaptive"]
        fm = a["final_magnitude"]
        table.add_row(f"adaptive (final m {spread(fm, 1.0, 2)})", pct(a["test_accuracy"]),
                      f"{100 * a['train_accuracy']['mean']:.1f}", f"{100 * a['generalization_gap']['mean']:.1f}")
        table.add_row("adaptive - fixed", pct(a["vs_fixed"]), "", "")
    console = Console()
    console.print(table)
    for line in seed_lines(results):
        console.print(line)
    if "robust_test_accuracy" in results["baseline"]:
        attack = results["augmented"]["runs"][0]["attack"]
        arms = [a for a in ("baseline", "augmented", "adaptive") if a in results]
        console.print(f"test accuracy under {attack}: " + ", ".join(
            f"{a} {spread(results[a]['robust_test_accuracy'])}%"
            for a in arms) + " (clean: above)")
        leaking = [a for a in arms if results[a]["robust_test_accuracy"]["mean"] > results[a]["test_accuracy"]["mean"]]
        if leaking:
            console.print(f"note: {', '.join(leaking)} is more accurate under attack than clean: the single-step attack "
                          "leaks the label into its perturbation (Kurakin et al. 2017); try pgd or fgsm(random_start=true)")


def seed_lines(results: dict) -> list[str]:
    """What the seeds say: how many would settle the lift, and why --seeds auto stopped."""
    lines = []
    rule = results.get("seeds_rule")
    if rule:
        lines.append(f"seeds auto: {rule['seeds']} seeds, stopped because {rule['stopped_because']}")
    needed = results["lift"].get("seeds_needed")
    if needed:
        h = 100 * needed["target_halfwidth"]
        if needed["seeds"] is None:
            lines.append(f"seeds needed for a lift CI of ±{h:g} points: unknown with one seed (no spread to go by)")
        else:
            lines.append(f"seeds needed for a lift CI of ±{h:g} points: about {needed['seeds']} at the spread seen here "
                         f"(std {100 * results['lift']['std']:.2f} points over {results['lift']['n']} seeds)")
    return lines


def print_compare(results: dict, specs: dict) -> None:
    table = Table(title="digits, 10 per class, 3 seeds: test accuracy (%, mean ± std) and paired lift [95% CI]")
    for col in ("policy", "test", "train", "lift"):
        table.add_column(col)
    for name, arm in results["arms"].items():
        lift = arm.get("lift")
        table.add_row(specs.get(name, name), spread(arm["test_accuracy"]),
                      f"{100 * arm['train_accuracy']['mean']:.1f}",
                      "" if lift is None else f"{100 * lift['mean']:+.1f} {interval(lift, signed=True)}")
    Console().print(table)


def print_search(results: dict) -> None:
    pct = with_interval

    seeds = results["protocol"]["seeds"]
    table = Table(title=f"search on {results['data']}: test {metric_name(results)} over {seeds} seeds (mean ± std [95% CI], %)")
    for col in ("", "policy", "validation", "test"):
        table.add_column(col)
    rows = [("search's best", results["search_best"])] + [(k, v) for k, v in results["baselines"].items()]
    for name, arm in rows:
        mark = " *" if (name == "search's best" and results["chosen_from"] == "search") or name == results["chosen_from"] else ""
        if arm.get("dropped_after"):  # stopped by the race: fewer seeds than the others
            why = ": could not be chosen" if arm.get("dropped_reason") == "cannot_win" else ""
            name += f" (dropped after {arm['dropped_after']} of {seeds} seeds{why})"
        table.add_row(name + mark, arm["policy"], f"{100 * arm['val_accuracy']['mean']:.1f}", pct(arm["test_accuracy"]))
    console = Console()
    console.print(table)
    c = results["compute"]
    console.print(f"* chosen on validation: {results['best_policy']}  (lift over none {100 * results['lift_vs_none']['mean']:+.1f} points; "
                  "the simplest policy validation cannot tell from the best)")
    for line in versus_lines(results):
        console.print(line)
    console.print(f"{results['trials']} trials ({results['trials_pruned']} pruned) in {results['search_seconds']:.0f} s; "
                  f"compute: {results['train_run_equivalents']:.2f} training runs (trials {c['search_run_equivalents']:.2f} "
                  f"+ retraining {c['retrain_run_equivalents']:.2f}; baselines another {c['baseline_run_equivalents']:.2f})")


def versus_lines(results: dict) -> list[str]:
    """The search's policy minus each free baseline on test, Holm-adjusted, and the verdict."""
    versus = results.get("search_versus_baselines")
    if not versus:
        return []
    lines = []
    for name, v in versus.items():
        if v["ci_holm"] is None:
            lines.append(f"search - {name}: {100 * v['difference']:+.1f} points (one seed: no interval)")
        else:
            lo, hi = (100 * x for x in v["ci_holm"])
            lines.append(f"search - {name}: {100 * v['difference']:+.1f} points [{lo:+.1f}, {hi:+.1f}] "
                         f"(Holm, p {v['p_holm']:.3f}, {v['seeds']} seeds)")
    return lines + [results["verdict"]]


def print_synth_quality(results: dict, grid=None) -> None:
    """``synth evaluate``'s numbers, one per line, with the independent judge and
    memorisation explained."""
    from rich.console import Console

    console = Console()
    for key in ("conditional_accuracy", "tstr_accuracy", "trtr_accuracy", "frechet_distance", "frechet_distance_real_train_vs_heldout",
                "precision", "recall", "density", "coverage"):
        console.print(f"{key:40s} {results[key]:.4f}")
    if results["independent_judge"]:
        ind = results["independent_judge"]
        console.print(f"{'conditional_accuracy (independent judge)':40s} {ind['conditional_accuracy']:.4f}  "
                      f"(judge trained on {ind['train_images']} other images; {ind['accuracy_on_generator_training_images']:.4f} on the real training images)")
    mem = results["memorisation"]
    console.print(f"{'memorisation (share)':40s} {mem['share']:.4f}  (closer to a training image than {100 * mem['quantile']:g}% of training pairs)")
    if grid is not None:
        console.print(f"sample grid: {grid}")


def print_table_quality(results: dict) -> None:
    """``synth evaluate`` on table rows: each figure for the generated rows next to the
    real holdout rows' (what a perfect generator would score)."""
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"{results['model']}: {results['rows']['generated']} generated rows against {results['rows']['train']} "
                    f"training rows ({results['rows']['holdout']} unseen rows for reference)")
    for name in ("", "generated", "real, unseen"):
        t.add_column(name)
    fid = results["fidelity"]
    t.add_row("mean KS of numeric columns (0 best)", f"{fid['synthetic']['mean_ks']:.3f}", f"{fid['holdout']['mean_ks']:.3f}")
    t.add_row("mean total variation of categories (0 best)", f"{fid['synthetic']['mean_tv']:.3f}", f"{fid['holdout']['mean_tv']:.3f}")
    t.add_row("correlation difference (0 best)", f"{results['correlation_difference']['synthetic']:.3f}",
              f"{results['correlation_difference']['holdout']:.3f}")
    t.add_row("detection ROC AUC (0.5 best)", f"{results['detection_auc']['synthetic']:.3f}", f"{results['detection_auc']['holdout']:.3f}")
    mem = results["memorisation"]
    t.add_row("median distance to closest training row", f"{mem['dcr_median']:.3f}", f"{mem['holdout_dcr_median']:.3f}")
    t.add_row("exact copies of training rows", str(mem["exact_copies"]), str(mem["holdout_exact_copies"]))
    t.add_row("share closer than the unseen rows' 5th percentile", f"{mem['closer_than_holdout_p5']:.3f}", "0.050")
    ts = results["tstr"]
    t.add_row(f"{ts['metric']} of {ts['model']} trained on them (TSTR / TRTR)", f"{ts['tstr']:.3f}", f"{ts['trtr']:.3f}")
    Console().print(t)
