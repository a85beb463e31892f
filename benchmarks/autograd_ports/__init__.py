"""HIPS/autograd's examples, ported by swapping the imports: each module's ``run(lib, ...)``
runs the same source on autograd (``libs.autograd_lib()``) or on lamina (``libs.lamina_lib()``).

The programs (sources in HIPS/autograd's ``examples/``): ``neural_net``,
``logistic_regression``, ``black_box_svi``, ``bayesian_neural_net``, ``rnn``, ``lstm``,
``mixture_variational_inference``, ``fluidsim``; plus ``maml`` (sinusoid MAML, grad through
grad) and ``mlp_sgd`` (a plain MLP loop with in-place SGD), written in autograd's style.
Plotting is cut, iteration counts are parameters, and downloaded data sets are replaced by
synthetic data of the same shapes made with a fixed NumPy seed. ``benchmarks/
bench_autograd_ports.py`` times them side by side; ``tests/ports`` compares their values.

Every ``run`` returns a ``Result`` (``libs.Result``): the values to compare between libraries
(loss trajectory, final parameters), per-step timestamps and, for the long loops, the resident
set size at steps 100 and 600.
"""

PROGRAMS = ("neural_net", "logistic_regression", "black_box_svi", "bayesian_neural_net", "rnn",
            "lstm", "mixture_variational_inference", "fluidsim", "maml", "mlp_sgd")
