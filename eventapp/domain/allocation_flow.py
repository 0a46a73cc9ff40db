"""Min-cost flow with several objectives in strict order, solved exactly, stage by stage.

One weighted solve would need weights like (n+1)**(R-r) to keep the order strict, which
overflows 64-bit costs at our size. Instead each objective is its own solve with small
integer costs, and the next solve may only pick among the optima of the ones before:

1. solve the network for objective k and read optimal node potentials pi from the result
   (shortest-path distances in its residual graph, which has no negative cycle because the
   flow is optimal);
2. by complementary slackness *every* optimal flow for objective k uses an arc with a
   positive reduced cost c + pi[tail] - pi[head] not at all, and one with a negative
   reduced cost up to its capacity; arcs with zero reduced cost are free;
3. so fix the first two kinds (moving the fixed flow into the node supplies), keep the free
   arcs, and solve objective k+1 on what is left.

The feasible flows of the smaller network are exactly the optimal flows of the bigger one,
so the result is lexicographically optimal, with no floating point and no large weights.
numpy and the solver are imported inside the functions: web workers never load them.
"""
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# solve(num_nodes, tails, heads, capacities, costs, supplies) -> flow per arc (all numpy
# int64 arrays); an optimal one, or an exception.
MinCostFlowSolver = Callable[..., "numpy.ndarray"]


@dataclass
class FlowNetwork:
    """Arcs as parallel arrays; supplies positive where flow starts, negative where it ends."""

    num_nodes: int
    tails: "numpy.ndarray"
    heads: "numpy.ndarray"
    capacities: "numpy.ndarray"
    supplies: "numpy.ndarray"


def ortools_solver() -> tuple[MinCostFlowSolver, str]:
    """OR-Tools' min-cost flow (cost scaling push-relabel, in C++), and its name and version."""
    import numpy as np
    import ortools
    from ortools.graph.python import min_cost_flow

    def solve(num_nodes, tails, heads, capacities, costs, supplies):
        smcf = min_cost_flow.SimpleMinCostFlow()
        arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
        smcf.set_nodes_supplies(np.arange(num_nodes), supplies)
        status = smcf.solve()
        if status != smcf.OPTIMAL:
            raise RuntimeError(f"min-cost flow not solved: {status!r}")
        return smcf.flows(arcs).astype(np.int64)

    return solve, f"ortools {ortools.__version__}"


def solve_in_stages(network: FlowNetwork, objectives: Sequence, solve: MinCostFlowSolver):
    """A flow that minimises objectives[0], then objectives[1] among those optima, and so on.

    Each objective is an int64 cost per arc. Returns the flow per arc (numpy int64).
    """
    import numpy as np

    tails, heads, capacities = network.tails, network.heads, network.capacities
    supplies = np.array(network.supplies, dtype=np.int64)
    flow = np.zeros(len(tails), dtype=np.int64)  # fixed arcs keep their value here
    free = np.arange(len(tails))
    current = None  # the latest optimal flow on the free arcs
    for k, objective in enumerate(objectives):
        costs = objective[free]
        if current is not None and not costs.any():
            continue  # nothing to choose between: every flow left is equally good
        current = solve(network.num_nodes, tails[free], heads[free], capacities[free],
                        costs, supplies)
        if k == len(objectives) - 1 or not len(free):
            break
        pi = potentials(network.num_nodes, tails[free], heads[free], capacities[free],
                        costs, current)
        reduced = costs + pi[tails[free]] - pi[heads[free]]
        unused, full = reduced > 0, reduced < 0
        if (current[unused] != 0).any() or (current[full] != capacities[free][full]).any():
            raise AssertionError("potentials do not certify the flow as optimal")
        saturated = free[full]
        flow[saturated] = capacities[saturated]
        np.subtract.at(supplies, tails[saturated], capacities[saturated])
        np.add.at(supplies, heads[saturated], capacities[saturated])
        keep = ~(unused | full)
        free, current = free[keep], current[keep]
    if current is not None:
        flow[free] = current
    return flow


def potentials(num_nodes, tails, heads, capacities, costs, flow):
    """Optimal node potentials for an optimal flow: shortest distances in its residual graph.

    Bellman-Ford from a virtual root joined to every node at cost 0, one numpy pass over all
    residual arcs per round. A round count above the node count means a negative cycle,
    that is, the flow was not optimal.
    """
    import numpy as np

    forward, backward = flow < capacities, flow > 0
    r_tails = np.concatenate([tails[forward], heads[backward]])
    r_heads = np.concatenate([heads[forward], tails[backward]])
    r_costs = np.concatenate([costs[forward], -costs[backward]])
    by_head = np.argsort(r_heads, kind="stable")
    r_tails, r_heads, r_costs = r_tails[by_head], r_heads[by_head], r_costs[by_head]
    targets, starts = np.unique(r_heads, return_index=True)
    distance = np.zeros(num_nodes, dtype=np.int64)
    for _ in range(num_nodes + 1):
        if not len(targets):
            return distance
        best_in = np.minimum.reduceat(distance[r_tails] + r_costs, starts)
        improved = best_in < distance[targets]
        if not improved.any():
            return distance
        distance[targets[improved]] = best_in[improved]
    raise AssertionError("negative cycle in the residual graph: the flow is not optimal")
