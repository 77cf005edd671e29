"""Needs analysis (behoefteanalyse): before a program starts, people rate each of its goals
for how important it is and how able they are today; the goals ordered by the gap are the
program's baseline, and a second round after the program shows what changed."""
