#!/usr/bin/env python3
"""The layer lint (ctest lint.layers): every `#include "..."` in exporter/,
collectors/, fuzz/ and tests/windows/ must point one way, down the layers
ARCHITECTURE.md draws, and at a file that exists.

  exporter/util      -> util
  exporter/platform  -> util, platform
  exporter/sdk       -> util, platform, sdk
  exporter/http      -> util, platform, sdk, http
  exporter/verdict   -> util, sdk, verdict
  exporter/views     -> util, sdk, http, verdict, views
  exporter/daemon    -> everything
  collectors/probe   -> util, platform, sdk, probe
  collectors/<name>  -> util, platform, sdk, probe, <name>
  tests/windows      -> util, platform, sdk, tests/windows (the helper
                        programs the Windows tests run under Wine: they
                        drive the platform layer the way the exporter
                        does, never the daemon)

Test code (*_test.cc, testing/ folders, fuzz/, tests/windows/) may also include
exporter/testing and any collector's testing/ folder; nothing else may.
exporter/testing and fuzz/ may include anything. A file directly in
exporter/ (in no layer) is an error too.

Usage: layers.py [--root REPO]. Prints one line per violation,
"file:line: rule", and exits 1 when there is any.
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCE_SUFFIXES = ('.h', '.cc', '.inc')
SCANNED = ('exporter', 'collectors', 'fuzz', os.path.join('tests', 'windows'))

EXPORTER_LAYERS = ('util', 'platform', 'sdk', 'http', 'verdict', 'views',
                   'daemon')
ALLOWED = {
    'util': {'util'},
    'platform': {'util', 'platform'},
    'sdk': {'util', 'platform', 'sdk'},
    'http': {'util', 'platform', 'sdk', 'http'},
    'verdict': {'util', 'sdk', 'verdict'},
    'views': {'util', 'sdk', 'http', 'verdict', 'views'},
    'probe': {'util', 'platform', 'sdk', 'probe'},
    'windows_tests': {'util', 'platform', 'sdk', 'windows_tests'},
}


def component(path):
    """What a repository path belongs to: an exporter layer, 'testing',
    'probe', 'collector:<name>', 'fuzz', or None (outside the checked tree
    or in no layer)."""
    parts = path.split('/')
    if parts[0] == 'exporter' and len(parts) >= 3:
        if parts[1] in EXPORTER_LAYERS or parts[1] == 'testing':
            return parts[1]
        return None
    if parts[0] == 'collectors' and len(parts) >= 3:
        return 'probe' if parts[1] == 'probe' else 'collector:' + parts[1]
    if parts[0] == 'fuzz':
        return 'fuzz'
    if parts[:2] == ['tests', 'windows'] and len(parts) >= 3:
        return 'windows_tests'
    return None


def is_test_code(path):
    parts = path.split('/')
    return (path.endswith('_test.cc') or 'testing' in parts[:-1] or
            parts[0] == 'fuzz' or parts[:2] == ['tests', 'windows'])


def is_testing_target(path):
    return 'testing' in path.split('/')[:-1]


def describe(comp):
    if comp.startswith('collector:'):
        return comp.replace('collector:', 'collectors/')
    return {'probe': 'collectors/probe',
            'windows_tests': 'tests/windows'}.get(comp, 'exporter/' + comp)


def check_include(source, target, root):
    """The rule `source` breaks by including `target`, or None."""
    if not (os.path.isfile(os.path.join(root, target)) or
            os.path.isfile(os.path.join(root, target + '.in'))):
        return 'includes "%s", which does not exist' % target
    src = component(source)
    dst = component(target)
    if src in ('daemon', 'testing', 'fuzz') or dst is None:
        return None
    if dst == 'testing' or is_testing_target(target):
        if is_test_code(source):
            return None
        return ('includes "%s": test-only code may be included only by '
                'tests (*_test.cc, testing/, fuzz/)' % target)
    if dst == 'daemon':
        return ('includes "%s": only exporter/daemon may include '
                'exporter/daemon (layers point one way, ARCHITECTURE.md)' %
                target)
    if src.startswith('collector:'):
        if dst == src or dst in ALLOWED['probe']:
            return None
        if dst.startswith('collector:'):
            return ('includes "%s": a collector may include another '
                    'collector only through collectors/probe' % target)
        return ('includes "%s": collectors may include only exporter/util, '
                'exporter/platform, exporter/sdk and collectors/probe' %
                target)
    allowed = ALLOWED.get(src)
    if allowed is None or dst in allowed:
        return None
    return ('includes "%s": %s may include only %s (layers point one way, '
            'ARCHITECTURE.md)' %
            (target, describe(src), ', '.join(
                describe(a) for a in sorted(allowed))))


def check_tree(root):
    problems = []
    for top in SCANNED:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root).replace(os.sep, '/')
                if rel.startswith('exporter/') and component(rel) is None:
                    problems.append('%s:1: in no layer (exporter/<layer>/, '
                                    'ARCHITECTURE.md)' % rel)
                with open(full, encoding='utf-8', errors='replace') as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        rule = check_include(rel, m.group(1), root)
                        if rule:
                            problems.append('%s:%d: %s' % (rel, number, rule))
    return problems


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--root', default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..'))
    args = parser.parse_args(argv)
    root = os.path.abspath(args.root)
    problems = check_tree(root)
    for p in problems:
        print(p)
    if problems:
        print('lint.layers: %d include(s) against the layers' % len(problems))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
