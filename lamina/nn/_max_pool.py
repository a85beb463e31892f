"""Max pooling as a custom autograd function, in the pattern of a backend's own kernels.

The forward runs the ``max_pool`` kernel, which returns the values and the argmax indices
(flat positions within each input plane, as torch); the context keeps the input and the
indices together with the pooling params. The backward scatters the incoming gradient through
the saved indices with the ``pool_scatter`` kernel, the jvp gathers the tangent with
``pool_gather`` (NOTE [max pool backward kernels] in lamina/ops/nn.py), and the vmap rule folds
the batch into the leading axes the kernel already maps over.
"""

from __future__ import annotations

from lamina.numpy import moveaxis
from lamina.numpy._handles import handle
from lamina.ops import nn as _ops
from lamina.transforms.custom import Function

__all__ = ["MaxPool"]


class MaxPool(Function):
    """``MaxPool.apply(x, kernel_size, stride, padding, dilation, ceil_mode) -> (values,
    indices)`` over the last ``len(kernel_size)`` axes (params already validated, ``padding``
    as ``(low, high)`` pairs)."""

    @staticmethod
    def forward(x, kernel_size, stride, padding, dilation, ceil_mode):
        values, indices = _ops.max_pool(x._lamina_read(), kernel_size=kernel_size, stride=stride,
                                        padding=padding, dilation=dilation, ceil_mode=ceil_mode)
        return handle(values), handle(indices)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, kernel_size, stride, padding, dilation, ceil_mode = inputs
        _, indices = output
        ctx.save_for_backward(x, indices)
        ctx.kernel_size, ctx.stride, ctx.padding = kernel_size, stride, padding
        ctx.dilation, ctx.ceil_mode = dilation, ceil_mode
        ctx.mark_non_differentiable(indices)

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        x, indices = ctx.saved_tensors
        grad = _ops.pool_scatter(grad_values._lamina_read(), indices._lamina_read(), x.shape,
                                 len(ctx.kernel_size))
        return handle(grad), None, None, None, None, None

    @staticmethod
    def jvp(ctx, tangent, *_):
        _, indices = ctx.saved_tensors
        return handle(_ops.pool_gather(tangent._lamina_read(), indices._lamina_read(),
                                       len(ctx.kernel_size))), None

    @staticmethod
    def vmap(info, in_dims, x, kernel_size, stride, padding, dilation, ceil_mode):
        bdim = in_dims[0]
        if bdim >= x.ndim - len(kernel_size):  # the batch sits among the pooled axes
            x, bdim = moveaxis(x, bdim, 0), 0
        out = MaxPool.apply(x, kernel_size, stride, padding, dilation, ceil_mode)
        return out, (bdim, bdim)
