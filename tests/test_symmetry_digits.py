"""Seed 003 §6.3 data: scikit-learn's digits (in place of MNIST), top 10 PCA components, odd/even labels ±1."""

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from symsaddle.symmetry.digits import digits_pca  # noqa: E402


def test_digits_pca_against_sklearn_pca():
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    data = digits_pca(10, whiten=False)
    ref = PCA(n_components=10, svd_solver="full").fit(load_digits().data)
    np.testing.assert_allclose(data.explained_variance, ref.explained_variance_, rtol=1e-10)
    # the same subspace, component by component up to sign
    np.testing.assert_allclose(np.abs(np.sum(data.components * ref.components_, axis=1)), 1, rtol=1e-10)
    np.testing.assert_allclose(data.components @ data.components.T, np.eye(10), atol=1e-12)
    assert data.X.shape == (1797, 10)


def test_whitened_scores_and_labels():
    data = digits_pca()
    np.testing.assert_allclose(np.cov(data.X, rowvar=False), np.eye(10), atol=1e-10)
    assert set(np.unique(data.y)) == {-1.0, 1.0}
    assert np.all((data.y == 1) == np.isin(data.digits, [1, 3, 5, 7, 9]))


def test_bad_component_count():
    with pytest.raises(ValueError, match="1..64"):
        digits_pca(0)
