"""autograd's examples/black_box_svi.py: black-box variational inference with a diagonal
Gaussian, on a 2-D funnel-shaped density, optimized with adam.

Port: plotting cut; the callback keeps the lower bound it printed each iteration (it draws
from the same ``RandomState`` as the objective, so it is part of the computation);
``n_iters`` (2000 in the original).
"""

from __future__ import annotations

from .libs import Recorder


def definitions(lib):
    """The module-level function of the original, on ``lib``."""
    np, npr, grad = lib.np, lib.npr, lib.grad

    def black_box_variational_inference(logprob, D, num_samples):
        """Implements http://arxiv.org/abs/1401.0118, and uses the
        local reparameterization trick from http://arxiv.org/abs/1506.02557"""

        def unpack_params(params):
            # Variational dist is a diagonal Gaussian.
            mean, log_std = params[:D], params[D:]
            return mean, log_std

        def gaussian_entropy(log_std):
            return 0.5 * D * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)

        rs = npr.RandomState(0)

        def variational_objective(params, t):
            """Provides a stochastic estimate of the variational lower bound."""
            mean, log_std = unpack_params(params)
            samples = rs.randn(num_samples, D) * np.exp(log_std) + mean
            lower_bound = gaussian_entropy(log_std) + np.mean(logprob(samples, t))
            return -lower_bound

        gradient = grad(variational_objective)

        return variational_objective, gradient, unpack_params

    return black_box_variational_inference


def run(lib, n_iters: int = 100, num_samples: int = 2000):
    np, norm, adam = lib.np, lib.norm, lib.optimizers.adam
    black_box_variational_inference = definitions(lib)
    rec = Recorder()
    rec.begin()

    # Specify an inference problem by its unnormalized log-density.
    D = 2

    def log_density(x, t):
        mu, log_sigma = x[:, 0], x[:, 1]
        sigma_density = norm.logpdf(log_sigma, 0, 1.35)
        mu_density = norm.logpdf(mu, 0, np.exp(log_sigma))
        return sigma_density + mu_density

    # Build variational objective.
    objective, gradient, unpack_params = black_box_variational_inference(
        log_density, D, num_samples=num_samples)

    lower_bounds = []

    def callback(params, t, g):
        lower_bounds.append(float(-objective(params, t)))  # the original prints it
        rec.step()

    init_mean = -1 * np.ones(D)
    init_log_std = -5 * np.ones(D)
    init_var_params = np.concatenate([init_mean, init_log_std])
    variational_params = adam(gradient, init_var_params, step_size=0.1, num_iters=n_iters,
                              callback=callback)
    return rec.finish(lower_bounds=lower_bounds, params=variational_params)
