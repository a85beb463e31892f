"""autograd's examples/fluidsim/fluidsim.py: optimize the initial velocity field of a smoke
simulation (Stam's "Real-Time Fluid Dynamics for Games": semi-Lagrangian advection, a
Gauss-Seidel pressure projection) so that the smoke ends up looking like a target image;
``value_and_grad`` of the whole simulation, handed to ``scipy.optimize.minimize`` (CG).

Port: the two images (PNG files of 110 x 110, read as float32) are replaced by synthetic
float32 images of ``size`` x ``size`` made with a fixed seed (a smoke band and a ring);
plotting and rendering cut; ``simulation_timesteps`` (100 in the original) and ``maxiter``
(25) are parameters.
"""

# ruff: noqa: B007 - the original's loops, variables as written

from __future__ import annotations

import numpy
from scipy.optimize import minimize

from .libs import Recorder


def synthetic_images(size: int, seed: int = 0):
    """float32 stand-ins for init_smoke.png (a soft horizontal band with a little noise) and
    skull.png (a ring), both in [0, 1]."""
    rs = numpy.random.RandomState(seed)
    y, x = numpy.mgrid[0:size, 0:size] / size
    init_smoke = numpy.exp(-(((y - 0.75) / 0.08) ** 2)) + 0.05 * rs.rand(size, size)
    r = numpy.hypot(x - 0.5, y - 0.5)
    target = numpy.exp(-(((r - 0.3) / 0.06) ** 2))
    return (numpy.clip(init_smoke, 0, 1).astype(numpy.float32),
            numpy.clip(target, 0, 1).astype(numpy.float32))


def run(lib, size: int = 40, simulation_timesteps: int = 20, maxiter: int = 4):
    np, value_and_grad = lib.np, lib.value_and_grad

    def project(vx, vy):
        """Project the velocity field to be approximately mass-conserving,
        using a few iterations of Gauss-Seidel."""
        p = np.zeros(vx.shape)
        h = 1.0 / vx.shape[0]
        div = (
            -0.5
            * h
            * (
                np.roll(vx, -1, axis=0)
                - np.roll(vx, 1, axis=0)
                + np.roll(vy, -1, axis=1)
                - np.roll(vy, 1, axis=1)
            )
        )

        for k in range(10):
            p = (
                div
                + np.roll(p, 1, axis=0)
                + np.roll(p, -1, axis=0)
                + np.roll(p, 1, axis=1)
                + np.roll(p, -1, axis=1)
            ) / 4.0

        vx -= 0.5 * (np.roll(p, -1, axis=0) - np.roll(p, 1, axis=0)) / h
        vy -= 0.5 * (np.roll(p, -1, axis=1) - np.roll(p, 1, axis=1)) / h
        return vx, vy

    def advect(f, vx, vy):
        """Move field f according to x and y velocities (u and v)
        using an implicit Euler integrator."""
        rows, cols = f.shape
        cell_ys, cell_xs = np.meshgrid(np.arange(rows), np.arange(cols))
        center_xs = (cell_xs - vx).ravel()
        center_ys = (cell_ys - vy).ravel()

        # Compute indices of source cells.
        left_ix = np.floor(center_xs).astype(int)
        top_ix = np.floor(center_ys).astype(int)
        rw = center_xs - left_ix  # Relative weight of right-hand cells.
        bw = center_ys - top_ix  # Relative weight of bottom cells.
        left_ix = np.mod(left_ix, rows)  # Wrap around edges of simulation.
        right_ix = np.mod(left_ix + 1, rows)
        top_ix = np.mod(top_ix, cols)
        bot_ix = np.mod(top_ix + 1, cols)

        # A linearly-weighted sum of the 4 surrounding cells.
        flat_f = (1 - rw) * ((1 - bw) * f[left_ix, top_ix] + bw * f[left_ix, bot_ix]) + rw * (
            (1 - bw) * f[right_ix, top_ix] + bw * f[right_ix, bot_ix]
        )
        return np.reshape(flat_f, (rows, cols))

    def simulate(vx, vy, smoke, num_time_steps):
        for t in range(num_time_steps):
            vx_updated = advect(vx, vx, vy)
            vy_updated = advect(vy, vx, vy)
            vx, vy = project(vx_updated, vy_updated)
            smoke = advect(smoke, vx, vy)
        return smoke

    init_smoke, target = synthetic_images(size)
    rec = Recorder()
    rec.begin()
    rows, cols = target.shape

    init_dx_and_dy = np.zeros((2, rows, cols)).ravel()

    def distance_from_target_image(smoke):
        return np.mean((target - smoke) ** 2)

    def convert_param_vector_to_matrices(params):
        vx = np.reshape(params[: (rows * cols)], (rows, cols))
        vy = np.reshape(params[(rows * cols) :], (rows, cols))
        return vx, vy

    def objective(params):
        init_vx, init_vy = convert_param_vector_to_matrices(params)
        final_smoke = simulate(init_vx, init_vy, init_smoke, simulation_timesteps)
        return distance_from_target_image(final_smoke)

    # Specify gradient of objective function using autograd.
    objective_with_grad = value_and_grad(objective)

    def callback(params):
        rec.step()  # the original re-runs the simulation here, to plot it

    result = minimize(
        objective_with_grad,
        init_dx_and_dy,
        jac=True,
        method="CG",
        options={"maxiter": maxiter, "disp": False},
        callback=callback,
    )
    return rec.finish(fun=result.fun, x=result.x, nfev=result.nfev)
