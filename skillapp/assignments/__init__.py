"""Assignments: a module or assessment required of everyone, of job grades or
of departments, by a due date; what learners see and who is overdue."""

from flask import Blueprint

bp = Blueprint("assignments", __name__)
