from . import ecr
