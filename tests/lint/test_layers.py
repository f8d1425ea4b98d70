"""The layer lint (tests/lint/layers.py) against planted includes: each
rule it enforces fails on a copy of the real tree with one bad include
added, naming file:line and the rule; the unchanged copy passes."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
LINT = os.path.join(HERE, 'layers.py')


class LayersLintTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='entra-pta-layers-')
        ignore = shutil.ignore_patterns('testdata', 'corpus', 'data')
        for top in ('exporter', 'collectors', 'fuzz',
                    os.path.join('tests', 'windows')):
            shutil.copytree(os.path.join(REPO, top),
                            os.path.join(self.tmp, top), ignore=ignore)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def lint(self):
        return subprocess.run([sys.executable, LINT, '--root', self.tmp],
                              capture_output=True, text=True, check=False)

    def plant(self, path, include):
        """Adds `#include "include"` as a new last line of `path`; returns
        its line number."""
        full = os.path.join(self.tmp, path)
        with open(full, encoding='utf-8') as f:
            lines = f.read().count('\n')
        with open(full, 'a', encoding='utf-8') as f:
            f.write('#include "%s"\n' % include)
        return lines + 1

    def assert_fails(self, path, include, rule):
        line = self.plant(path, include)
        result = self.lint()
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn('%s:%d: includes "%s"' % (path, line, include),
                      result.stdout)
        self.assertIn(rule, result.stdout)

    def test_unchanged_tree_passes(self):
        result = self.lint()
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertEqual(result.stdout, '')

    def test_lower_layer_including_a_higher_one_fails(self):
        self.assert_fails('exporter/util/utf8.cc', 'exporter/sdk/clock.h',
                          'exporter/util may include only exporter/util')

    def test_sdk_including_http_fails(self):
        self.assert_fails('exporter/sdk/logger.cc',
                          'exporter/http/http_server.h',
                          'exporter/sdk may include only')

    def test_verdict_including_platform_fails(self):
        self.assert_fails('exporter/verdict/diagnose_report.cc',
                          'exporter/platform/socket.h',
                          'exporter/verdict may include only')

    def test_including_the_daemon_fails(self):
        self.assert_fails('exporter/views/landing_page.cc',
                          'exporter/daemon/config.h',
                          'only exporter/daemon may include exporter/daemon')

    def test_collector_including_another_collector_fails(self):
        self.assert_fails('collectors/tls/tls_collector.cc',
                          'collectors/endpoint/endpoint_collector.h',
                          'a collector may include another collector only '
                          'through collectors/probe')

    def test_collector_including_http_fails(self):
        self.assert_fails('collectors/heartbeat/trace_log.cc',
                          'exporter/http/web_config.h',
                          'collectors may include only exporter/util')

    def test_probe_including_a_collector_fails(self):
        self.assert_fails('collectors/probe/probe_hub.cc',
                          'collectors/tls/tls_collector.h',
                          'collectors/probe may include only')

    def test_production_code_including_test_fakes_fails(self):
        self.assert_fails('exporter/sdk/logger.cc',
                          'exporter/testing/fake_clock.h',
                          'test-only code may be included only by tests')

    def test_windows_test_program_including_the_daemon_fails(self):
        self.assert_fails('tests/windows/test_exporter_service.cc',
                          'exporter/daemon/app.h',
                          'only exporter/daemon may include exporter/daemon')

    def test_windows_test_program_including_http_fails(self):
        self.assert_fails('tests/windows/event_log_writer.cc',
                          'exporter/http/web_config.h',
                          'tests/windows may include only')

    def test_missing_file_fails(self):
        self.assert_fails('exporter/http/bcrypt.cc', 'exporter/http/gone.h',
                          'which does not exist')

    def test_file_in_no_layer_fails(self):
        with open(os.path.join(self.tmp, 'exporter', 'stray.cc'), 'w',
                  encoding='utf-8') as f:
            f.write('int x;\n')
        result = self.lint()
        self.assertEqual(result.returncode, 1)
        self.assertIn('exporter/stray.cc:1: in no layer', result.stdout)

    def test_allowed_includes_pass(self):
        self.plant('collectors/tls/tls_collector.cc',
                   'collectors/probe/probe_hub.h')
        self.plant('exporter/views/landing_page.cc', 'exporter/http/bcrypt.h')
        self.plant('exporter/sdk/logger_test.cc',
                   'exporter/testing/fake_clock.h')
        self.plant('tests/windows/test_service.cc',
                   'exporter/platform/windows_service.h')
        result = self.lint()
        self.assertEqual(result.returncode, 0, result.stdout)


if __name__ == '__main__':
    unittest.main()
