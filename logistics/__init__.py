"""Pooled food-delivery optimiser: separate vs pooled routes on real roads.

The pipeline, one function per stage::

    scenario = load_scenario("scenarios/melun.yaml")     # validated boundary
    travel = build_travel(scenario)                       # OSM network -> matrix
    problem = build_problem(scenario, travel.matrix, pooled=True)
    plan = solve(problem, SolveParams(time_limit_s=10))  # OR-Tools / PyVRP
    comparison = compare(scenario)                        # separate vs pooled, checked
    print(comparison.summary)
"""

from __future__ import annotations

from .accounting import StrategyAccount as StrategyAccount
from .accounting import account as account
from .checker import check_plan as check_plan
from .checker import check_solution as check_solution
from .compare import Comparison as Comparison
from .compare import compare as compare
from .compare import solve_pooled as solve_pooled
from .compare import solve_separate as solve_separate
from .constants import VERSION
from .exceptions import LogisticsError as LogisticsError
from .exceptions import ScenarioError as ScenarioError
from .plan import Plan as Plan
from .problem import RoutingProblem as RoutingProblem
from .problem import build_problem as build_problem
from .scenario import Scenario as Scenario
from .scenario import load_scenario as load_scenario
from .solution import Solution as Solution
from .solvers import SolveParams as SolveParams
from .solvers import solve as solve
from .travel import build_travel as build_travel

__version__ = VERSION
