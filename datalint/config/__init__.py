"""Configuration: discovery upward from the linted file, validation of every key at load, the rules
a config knows, and the settings of each file (per-path overrides, the command line).

One module per step: `discovery.py` finds the file, `validation.py` checks its keys (declared in
`keys.py`), `loading.py` resolves its rules, `settings.py` gives each linted file its rules.
"""

from datalint.config.discovery import CONFIG_NAMES, find_config
from datalint.config.keys import ConfigError
from datalint.config.loading import Config, all_rules, load_config
from datalint.config.settings import CommandLine, Settings, SettingsResolver, path_matches, relative_posix

__all__ = [
    "CONFIG_NAMES",
    "CommandLine",
    "Config",
    "ConfigError",
    "Settings",
    "SettingsResolver",
    "all_rules",
    "find_config",
    "load_config",
    "path_matches",
    "relative_posix",
]
