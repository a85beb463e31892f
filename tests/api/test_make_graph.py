"""lamina.make_graph: the traced functional graph of any (transformed) function."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp


def mlp(w, x):
    return lnp.tanh(x @ w).sum()


def test_prints_inputs_equations_and_outputs():
    g = lm.make_graph(mlp)(lnp.ones((3, 2)), lnp.ones((4, 3)))
    assert str(g) == "\n".join([
        "graph mlp(a:f64[3,2], b:f64[4,3]) {",
        "  c:f64[4,2] = matmul(b, a)",
        "  d:f64[4,2] = tanh(c)",
        "  e:f64[] = reduce_sum[axes=(0, 1), keepdims=False, dtype=f64](d)",
        "  return (e,)",
        "}",
    ])
    assert g.op_names == ["matmul", "tanh", "reduce_sum"]
    assert [v.type for v in g.inputs] == ["f64[3,2]", "f64[4,3]"]


def test_graph_of_grad_shows_the_backward_pass():
    g = lm.make_graph(lm.grad(mlp))(lnp.ones((3, 2)), lnp.ones((4, 3)))
    names = g.op_names
    assert names[:2] == ["matmul", "tanh"]
    # d tanh = 1 - tanh**2, then the matmul's transpose rule.
    assert "matmul" in names[2:]
    assert len(g.outputs) == 1 and g.outputs[0].shape == (3, 2)


def test_graph_of_vmap_has_batched_shapes():
    g = lm.make_graph(lm.vmap(lambda x: lnp.sin(x).sum()))(lnp.ones((5, 3)))
    assert g.op_names == ["sin", "reduce_sum"]
    assert g.equations[-1].outputs[0].shape == (5,)


def test_views_are_tagged_and_in_place_ops_underscored():
    def f(x):
        y = x.T
        y[0] += 1.0
        x[1] = 7.0
        return x

    g = lm.make_graph(f)(lnp.zeros((2, 3)))
    inplace = [eq.name for eq in g.equations if eq.inplace]
    # Python runs ``y[0] += 1`` as getitem, iadd, setitem: NumPy writes twice too.
    assert inplace == ["add_", "setitem_", "setitem_"]
    assert any(eq.view and eq.name == "transpose" for eq in g.equations)
    assert "# view" in str(g)
    assert "add_(" in str(g) and "setitem_[index=[1]]" in str(g)


def test_copy_of_existing_value_is_an_explicit_in_place_equation():
    def f(x, y):
        lnp.copyto(x, y)
        return x

    g = lm.make_graph(f)(lnp.zeros(3), lnp.ones(3))
    assert [eq.name for eq in g.equations] == ["copyto_"]
    assert g.equations[0].inplace


def test_functionalized_graphs_have_no_in_place_ops_and_optionally_no_views():
    def f(x):
        r = x[0]
        r *= 2.0
        x.T[:, 1] = lnp.exp(x[0])
        return x.reshape(-1)[::2]

    x = lnp.asarray(np.arange(6.0).reshape(2, 3))
    plain = lm.make_graph(f)(x)
    assert any(eq.inplace for eq in plain.equations)
    func = lm.make_graph(lm.functionalize(f))(x)
    assert not any(eq.inplace or eq.name.endswith("_") for eq in func.equations)
    assert any(eq.view for eq in func.equations)
    nothing = lm.make_graph(lm.functionalize(f, remove="mutations_and_views"))(x)
    assert not any(eq.inplace or eq.view for eq in nothing.equations)
    assert any(eq.name.endswith("_copy") for eq in nothing.equations)
    # Same computation all three ways, and make_graph never touches the caller's tensor.
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert plain.mutated and func.mutated and nothing.mutated


def test_mutated_inputs_are_listed():
    def f(x, y):
        y += x
        return x.sum()

    g = lm.make_graph(lm.functionalize(f))(lnp.ones(2), lnp.zeros(2))
    assert [(t.name, v.name) for t, v in g.mutated] == [("b", "c")]
    assert "mutates b <- c" in str(g)


def test_constants_literals_pytrees_and_multiple_outputs():
    table = np.arange(4.0)

    def f(x, scale):
        left, right = lnp.split(x, 2)
        return {"sum": (left * scale + table[:2]).sum(), "right": right}

    g = lm.make_graph(f)(lnp.ones(4), 3.0)
    text = str(g)
    assert "graph f(a:f64[4])" in text
    assert "constants" in text          # the captured NumPy table
    assert "multiply(b, 3.0)" in text   # the Python scalar, inline
    split = next(eq for eq in g.equations if eq.name == "split")
    assert len(split.outputs) == 2 and split.view
    assert len(g.outputs) == 2


def test_dead_code_is_left_out():
    def f(x):
        lnp.exp(x)  # unused
        return x + 1

    assert lm.make_graph(f)(lnp.ones(2)).op_names == ["add"]


def test_graph_survives_evaluation_inside_the_function():
    def f(x):
        y = lnp.sin(x)
        if float(y.sum()) > 0:  # forces evaluation
            return y * 2
        return y

    assert lm.make_graph(f)(lnp.ones(3)).op_names == ["sin", "multiply"]


def test_html_repr_for_notebooks():
    g = lm.make_graph(lambda x: x.T + 1)(lnp.ones((2, 2)))
    html = g._repr_html_()
    assert html.startswith("<pre") and "transpose" in html and "# view" in html


def test_arguments_of_an_active_transform_are_refused():
    def f(x):
        return lm.make_graph(lnp.sin)(x).equations[0].name

    with pytest.raises(ValueError, match="make_graph traces at the top level"):
        lm.grad(lambda x: (x * len(f(x))).sum())(lnp.ones(2))


def test_recording_stops_even_when_the_function_raises():
    def f(x):
        raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        lm.make_graph(f)(lnp.ones(2))
    assert not lm.lazy.trace.recording()
    from lamina import core
    from lamina.lazy import graph

    assert core._backend is graph.apply
