"""autograd's examples/mixture_variational_inference.py: black-box variational inference with
a mixture of 10 diagonal Gaussians (Graves' trick, http://arxiv.org/abs/1607.05690) on a
bimodal 2-D density, optimized with adam.

Port: plotting cut, and with it the mixture sampler used only to plot samples (it draws
component indices with ``np.random.choice``); the callback keeps the lower bound it printed
each iteration; ``n_iters`` (2000 in the original).
"""

from __future__ import annotations

from .libs import Recorder


def run(lib, n_iters: int = 50, num_samples: int = 40, k: int = 10):
    np, npr, grad, adam = lib.np, lib.npr, lib.grad, lib.optimizers.adam
    logsumexp, norm = lib.logsumexp, lib.norm
    rec = Recorder()
    rec.begin()

    def diag_gaussian_log_density(x, mu, log_std):
        return np.sum(norm.logpdf(x, mu, np.exp(log_std)), axis=-1)

    def unpack_gaussian_params(params):
        # Variational dist is a diagonal Gaussian.
        D = np.shape(params)[0] // 2
        mean, log_std = params[:D], params[D:]
        return mean, log_std

    def variational_log_density_gaussian(params, x):
        mean, log_std = unpack_gaussian_params(params)
        return diag_gaussian_log_density(x, mean, log_std)

    def sample_diag_gaussian(params, num_samples, rs):
        mean, log_std = unpack_gaussian_params(params)
        D = np.shape(mean)[0]
        return rs.randn(num_samples, D) * np.exp(log_std) + mean

    def init_gaussian_var_params(D, mean_mean=-1, log_std_mean=-5, scale=0.1, rs=None):
        rs = rs if rs is not None else npr.RandomState(0)
        init_mean = mean_mean * np.ones(D) + rs.randn(D) * scale
        init_log_std = log_std_mean * np.ones(D) + rs.randn(D) * scale
        return np.concatenate([init_mean, init_log_std])

    def log_normalize(x):
        return x - logsumexp(x)

    def build_mog_bbsvi(logprob, num_samples, k=10, rs=None):
        rs = rs if rs is not None else npr.RandomState(0)
        init_component_var_params = init_gaussian_var_params
        component_log_density = variational_log_density_gaussian
        component_sample = sample_diag_gaussian

        def unpack_mixture_params(mixture_params):
            log_weights = log_normalize(mixture_params[:k])
            var_params = np.reshape(mixture_params[k:], (k, -1))
            return log_weights, var_params

        def init_var_params(D, rs=None, **kwargs):
            rs = rs if rs is not None else npr.RandomState(0)
            log_weights = np.ones(k)
            component_weights = [init_component_var_params(D, rs=rs, **kwargs)
                                 for i in range(k)]
            return np.concatenate([log_weights] + component_weights)

        def mixture_log_density(var_mixture_params, x):
            """Returns a weighted average over component densities."""
            log_weights, var_params = unpack_mixture_params(var_mixture_params)
            component_log_densities = np.vstack(
                [component_log_density(params_k, x) for params_k in var_params]
            ).T
            return logsumexp(component_log_densities + log_weights, axis=1, keepdims=False)

        def mixture_elbo(var_mixture_params, t):
            # We need to only sample the continuous component parameters,
            # and integrate over the discrete component choice

            def mixture_lower_bound(params):
                """Provides a stochastic estimate of the variational lower bound."""
                samples = component_sample(params, num_samples, rs)
                log_qs = mixture_log_density(var_mixture_params, samples)
                log_ps = logprob(samples, t)
                log_ps = np.reshape(log_ps, (num_samples, -1))
                log_qs = np.reshape(log_qs, (num_samples, -1))
                return np.mean(log_ps - log_qs)

            log_weights, var_params = unpack_mixture_params(var_mixture_params)
            component_elbos = np.stack([mixture_lower_bound(params_k)
                                        for params_k in var_params])
            return np.sum(component_elbos * np.exp(log_weights))

        return init_var_params, mixture_elbo, mixture_log_density

    # Specify an inference problem by its unnormalized log-density.
    D = 2

    def log_density(x, t):
        mu, log_sigma = x[:, 0], x[:, 1]
        sigma_density = norm.logpdf(log_sigma, 0, 1.35)
        mu_density = norm.logpdf(mu, -0.5, np.exp(log_sigma))
        sigma_density2 = norm.logpdf(log_sigma, 0.1, 1.35)
        mu_density2 = norm.logpdf(mu, 0.5, np.exp(log_sigma))
        return np.logaddexp(sigma_density + mu_density, sigma_density2 + mu_density2)

    init_var_params, elbo, variational_log_density = build_mog_bbsvi(
        log_density, num_samples=num_samples, k=k
    )

    def objective(params, t):
        return -elbo(params, t)

    lower_bounds = []

    def callback(params, t, g):
        lower_bounds.append(float(-objective(params, t)))  # the original prints it
        rec.step()

    variational_params = adam(
        grad(objective), init_var_params(D), step_size=0.1, num_iters=n_iters,
        callback=callback
    )
    return rec.finish(lower_bounds=lower_bounds, params=variational_params)
