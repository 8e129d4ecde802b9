# SPDX-License-Identifier: GPL-2.0 OR MIT
# Minimal Sphinx configuration for the enpu documentation.
# Build: sphinx-build -W -b html Documentation /tmp/docout

project = 'enpu'
author = 'The enpu authors'
master_doc = 'index'
extensions = []
exclude_patterns = []
highlight_language = 'none'
