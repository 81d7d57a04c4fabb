"""Pooled food-delivery optimiser: separate vs pooled routes on real roads.

The pipeline, one function per stage::

    scenario = load_scenario("scenarios/melun.yaml")     # validated boundary
    travel = build_travel(scenario)                       # OSM network -> matrix
    context = build_context(scenario, travel.matrix)      # integers, costs, settings
    pooled = get_strategy("pooled")                       # a registered strategy
    everyone = context.producer_ids
    problem = context.problem(everyone, pooled.fleet(context, everyone))
    plan = solve(problem, SolveParams(time_limit_s=10))  # OR-Tools / PyVRP
    comparison = compare(scenario, travel=travel)         # every strategy, checked
    print(summary_text(comparison))
    table = allocate(scenario, method="shapley")         # who pays what (DataFrame)
"""

from __future__ import annotations

from .accounting import StrategyAccount as StrategyAccount
from .accounting import account as account
from .checker import check_plan as check_plan
from .checker import check_solution as check_solution
from .comparison import Comparison as Comparison
from .comparison import Savings as Savings
from .comparison import compare as compare
from .constants import VERSION
from .context import PlanningContext as PlanningContext
from .context import build_context as build_context
from .exceptions import LogisticsError as LogisticsError
from .exceptions import ScenarioError as ScenarioError
from .executors import local_executor as local_executor
from .executors import usable_cores as usable_cores
from .plan import Plan as Plan
from .problem import RoutingProblem as RoutingProblem
from .report import summary_text as summary_text
from .scenario import Scenario as Scenario
from .scenario import load_scenario as load_scenario
from .solution import Solution as Solution
from .solvers import SolveParams as SolveParams
from .solvers import solve as solve
from .split import allocate as allocate
from .split import fair_split as fair_split
from .strategies import STRATEGIES as STRATEGIES
from .strategies import Strategy as Strategy
from .strategies import get_strategy as get_strategy
from .strategies import register as register
from .strategies import run_strategy as run_strategy
from .travel import build_travel as build_travel

__version__ = VERSION
