"""Table models from scikit-learn: histogram gradient boosting (the default), logistic
regression and a small MLP. Numeric columns arrive with NaN where missing and categorical
or boolean columns as integer codes with -1 where missing; each model takes them the way
it handles them best, and the first two weight classes by their inverse frequency."""

from __future__ import annotations

import numpy as np

from augmentlab.errors import AugmentlabError

TABLE_MODELS = ("hgb", "logistic", "mlp")


def features(numeric: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """One float matrix: the numeric columns, then the codes (missing as NaN)."""
    coded = codes.astype(np.float64)
    coded[codes < 0] = np.nan
    return np.hstack([numeric.astype(np.float64), coded])


def build_table_model(name: str, n_numeric: int, n_coded: int, seed: int):
    """An unfitted estimator for ``features(...)`` rows of ``n_numeric`` numeric and
    ``n_coded`` coded columns."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    if name not in TABLE_MODELS:
        raise AugmentlabError(f"model {name!r} is not a table model; expected one of {', '.join(TABLE_MODELS)}", field="model")
    coded = list(range(n_numeric, n_numeric + n_coded))
    if name == "hgb":  # missing values and categories handled natively
        mask = np.zeros(n_numeric + n_coded, bool)
        mask[coded] = True
        return HistGradientBoostingClassifier(categorical_features=mask if n_coded else None, class_weight="balanced",
                                              random_state=seed)
    numeric = list(range(n_numeric))
    prepare = ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        # a missing code is a category of its own
        ("coded", make_pipeline(SimpleImputer(strategy="constant", fill_value=-1), OneHotEncoder(handle_unknown="ignore")), coded),
    ])
    if name == "logistic":
        return make_pipeline(prepare, LogisticRegression(class_weight="balanced", max_iter=2000, random_state=seed))
    return make_pipeline(prepare, MLPClassifier(hidden_layer_sizes=(64,), max_iter=500, early_stopping=True, random_state=seed))


def fit_table_model(name: str, rows, seed: int):
    """``name`` fitted on a ``TableBatch``'s rows, classes weighted by their inverse
    frequency (the MLP, which takes no class weights, through sample weights)."""
    from sklearn.utils.class_weight import compute_sample_weight

    estimator = build_table_model(name, rows.numeric.shape[1], rows.codes.shape[1], seed % 2**32)  # scikit-learn takes 32-bit seeds
    x = features(rows.numeric, rows.codes)
    if name == "mlp":
        return estimator.fit(x, rows.labels, mlpclassifier__sample_weight=compute_sample_weight("balanced", rows.labels))
    return estimator.fit(x, rows.labels)
