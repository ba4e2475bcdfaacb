"""cli: the `manim-diffusion` command, one module per command group.

``main`` (the click group and the shared options), ``models`` (list, train, sample,
eval), ``mnist`` (the mnist group) and ``talk`` (the talk group); each command parses
its arguments and calls one library function.
"""

from __future__ import annotations

from .main import main
from .mnist import mnist_group
from .models import eval_cmd, list_cmd, sample_cmd, train_cmd
from .talk import talk_group

__all__ = ["main"]

for _command in (list_cmd, train_cmd, sample_cmd, eval_cmd, mnist_group, talk_group):
    main.add_command(_command)
