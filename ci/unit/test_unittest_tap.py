#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of ci/guest/unittest-tap.py on unittest -v output.

unittest-tap.py turns the output of rdma-core's tests/run_tests.py -v (a
unittest TextTestRunner) into kselftest TAP, and cross-checks unittest's
own "Ran N tests" and "FAILED (failures=, errors=...)" against the result
lines it found. The logs in ci/unit/data/unittest are real unittest
output (Debian's python3 3.11, as in the guest's rdma-core-host suite)
of small test modules named after rdma-core's (see
ci/unit/data/README.md).

Run: python3 -m unittest -v ci/unit/test_unittest_tap.py (or
scripts/unit-tests.sh, which runs every ci/unit/test_*).
"""
import os
import re
import subprocess
import sys
import unittest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
TAP = os.path.join(TOP, 'ci', 'guest', 'unittest-tap.py')
DATA = os.path.join(TOP, 'ci', 'unit', 'data', 'unittest')

RESULT = re.compile(r'^(ok|not ok) (\d+) (\S+)(?: # (.*))?$')


class Tap:
    """unittest-tap.py's output on one log."""

    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.lines = proc.stdout.splitlines()
        # (ok|not ok, name, directive or None) for each result line
        self.results = []
        for line in self.lines:
            m = RESULT.match(line)
            if m:
                self.assert_number(int(m.group(2)))
                self.results.append((m.group(1), m.group(3), m.group(4)))
        self.plan = next((ln for ln in self.lines if ln.startswith('1..')),
                         None)
        self.totals = next((ln for ln in self.lines
                            if ln.startswith('# Totals:')), None)

    def assert_number(self, n):
        if n != len(self.results) + 1:
            raise AssertionError(f'result {n} out of order:\n{self.out}')

    def names(self, status):
        return [n for s, n, _ in self.results if s == status]


def run(log, excluded=None):
    args = [sys.executable, TAP]
    if excluded:
        args.append(os.path.join(DATA, excluded))
    with open(os.path.join(DATA, log)) as f:
        proc = subprocess.run(args, stdin=f, capture_output=True, text=True,
                              timeout=60)
    if proc.stderr:
        raise AssertionError(f'unittest-tap.py wrote to stderr:\n{proc.stderr}')
    return Tap(proc)


class UnittestTapTest(unittest.TestCase):

    def assertTap(self, tap, rc, results, totals):
        """Exit code, every result line, the plan and the totals."""
        self.assertEqual(tap.lines[0], 'TAP version 13', tap.out)
        self.assertEqual(tap.results, results, tap.out)
        self.assertEqual(tap.plan, f'1..{len(results)}', tap.out)
        self.assertEqual(tap.totals, '# Totals: ' + totals, tap.out)
        self.assertEqual(tap.lines[-1], tap.totals, tap.out)
        self.assertEqual(tap.rc, rc, tap.out)

    def test_all_pass(self):
        tap = run('all-pass.log')
        self.assertTap(tap, 0, [
            ('ok', 'test_addr.AHTest.test_create_ah', None),
            ('ok', 'test_addr.AHTest.test_create_ah_roce', None),
            ('ok', 'test_addr.AHTest.test_destroy_ah', None)],
            'pass:3 fail:0 xfail:0 xpass:0 skip:0 error:0')
        # unittest's own summary is kept, as comments
        self.assertIn('# Ran 3 tests in 0.000s', tap.lines)
        self.assertIn('# OK', tap.lines)

    def test_failure(self):
        # test_resize_cq has a docstring: its result is on the next line
        tap = run('failure.log')
        self.assertTap(tap, 1, [
            ('ok', 'test_cq.CQAPITest.test_create_cq', None),
            ('not ok', 'test_cq.CQTest.test_resize_cq', None)],
            'pass:1 fail:1 xfail:0 xpass:0 skip:0 error:0')
        self.assertIn('# test_cq.CQTest.test_resize_cq: FAIL', tap.lines)
        self.assertIn('# AssertionError: PyverbsRDMAError not raised',
                      tap.lines)

    def test_skip_with_reason(self):
        tap = run('skip.log')
        self.assertTap(tap, 0, [
            ('ok', 'test_device.DMTest.test_create_dm',
             'SKIP Device memory is not supported'),
            ('ok', 'test_device.DMTest.test_dm_read',
             'SKIP Device memory is not supported'),
            ('ok', 'test_device.DeviceTest.test_dev_list', None)],
            'pass:1 fail:0 xfail:0 xpass:0 skip:2 error:0')

    def test_error_in_setupclass(self):
        # the class's tests leave no line at all; only "FAILED (errors=1)"
        # tells: one more "not ok" for the whole run
        tap = run('setupclass-error.log')
        self.assertTap(tap, 1, [
            ('ok', 'test_addr.AHTest.test_create_ah', None),
            ('ok', 'test_addr.AHTest.test_create_ah_roce', None),
            ('ok', 'test_addr.AHTest.test_destroy_ah', None),
            ('not ok', 'rdma_core_run_tests', None)],
            'pass:3 fail:1 xfail:0 xpass:0 skip:0 error:0')
        self.assertIn('# unittest counts 1 failures and errors, 0 have a '
                      'result line', tap.lines)

    def test_result_line_missing(self):
        # all-pass.log without its second result line: "Ran 3 tests"
        tap = run('missing-result.log')
        self.assertTap(tap, 1, [
            ('ok', 'test_addr.AHTest.test_create_ah', None),
            ('ok', 'test_addr.AHTest.test_destroy_ah', None),
            ('not ok', 'rdma_core_run_tests', None)],
            'pass:2 fail:1 xfail:0 xpass:0 skip:0 error:0')
        self.assertIn('# unittest ran 3 tests, 2 have a result line',
                      tap.lines)

    def test_crash_in_a_test(self):
        # python died (SIGSEGV) in the middle of a test: no result, no
        # "Ran N tests"
        tap = run('crash.log')
        self.assertTap(tap, 1, [
            ('ok', 'test_odp_crash.OdpTestCase.test_odp_rc_huge_traffic', None),
            ('not ok', 'test_odp_crash.OdpTestCase.test_odp_rc_traffic', None),
            ('not ok', 'rdma_core_run_tests', None)],
            'pass:1 fail:2 xfail:0 xpass:0 skip:0 error:0')
        self.assertIn('# test_odp_crash.OdpTestCase.test_odp_rc_traffic: no '
                      'result (crash?)', tap.lines)
        self.assertIn('# no "Ran N tests" line from unittest', tap.lines)

    def test_empty_input(self):
        proc = subprocess.run([sys.executable, TAP], input='',
                              capture_output=True, text=True, timeout=60)
        tap = Tap(proc)
        self.assertTap(tap, 1, [('not ok', 'rdma_core_run_tests', None)],
                       'pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0')

    def test_output_between_name_and_result(self):
        # a test printed a line: its result comes on the next line
        tap = run('test-output.log')
        self.assertTap(tap, 0, [
            ('ok', 'test_fork.ForkTest.test_fork_is_initialized', None),
            ('ok', 'test_fork.ForkTest.test_fork_traffic', None)],
            'pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0')

    def test_excluded(self):
        # failure.log with rdma-core-host's excluded list of ci/guest/
        # excluded.txt: the failing test_resize_cq becomes a skip
        tap = run('failure.log', 'excluded.txt')
        self.assertEqual(len(tap.results), 2, tap.out)
        self.assertEqual(tap.results[0],
                         ('ok', 'test_cq.CQAPITest.test_create_cq', None))
        st, name, directive = tap.results[1]
        self.assertEqual((st, name), ('ok', 'test_cq.CQTest.test_resize_cq'))
        self.assertTrue(directive.startswith(
            "SKIP excluded: rdma-core 44's test shrinks the CQ"), directive)
        self.assertTrue(directive.endswith('takes either result'), directive)
        self.assertIn('# test_cq.CQTest.test_resize_cq: FAIL (excluded)',
                      tap.lines)
        self.assertEqual(tap.totals, '# Totals: pass:1 fail:0 xfail:0 xpass:0'
                         ' skip:1 error:0')
        self.assertEqual(tap.rc, 0, tap.out)

    def test_excluded_list_names_another_test(self):
        # the list does not hide the failure of a test it does not name
        tap = run('failure-and-expected-failure.log', 'excluded.txt')
        self.assertIn(('not ok', 'test_qp.QPTest.test_modify_qp', None),
                      tap.results)
        self.assertEqual(tap.rc, 1, tap.out)

    def test_expected_failure_and_unexpected_success(self):
        # unittest's "expected failure" is a pass, "unexpected success"
        # a failure
        tap = run('failure-and-expected-failure.log')
        self.assertEqual(tap.results[:3], [
            ('ok', 'test_qp.QPTest.test_create_qp', None),
            ('not ok', 'test_qp.QPTest.test_modify_qp', None),
            ('ok', 'test_qp.QPTest.test_query_qp_bad_flow', None)], tap.out)
        self.assertIn('# test_qp.QPTest.test_query_qp_bad_flow: unittest '
                      'expected failure', tap.lines)
        tap = run('unexpected-success.log')
        self.assertEqual(tap.results[:2], [
            ('ok', 'test_mr.MRTest.test_reg_mr', None),
            ('not ok', 'test_mr.MRTest.test_reg_mr_bad_flags', None)], tap.out)
        self.assertEqual(tap.rc, 1, tap.out)

    # The cross-check reads "FAILED (...)" keys of more than one word:
    # "expected failures=1" is not a failure, "unexpected successes=1"
    # is (it read only the last word of each key, and the first case
    # below passed silently).

    def test_setupclass_error_hidden_by_excluded_unexpected_success(self):
        # test_odp.OdpTestCase's setUpClass failed (none of its tests
        # ran), and an excluded test succeeded unexpectedly: "FAILED
        # (errors=1, unexpected successes=1)" is 2 failures against 1
        # failed result line, and the suite fails.
        tap = run('setupclass-error-and-unexpected-success.log',
                  'excluded-unexpected-success.txt')
        self.assertEqual(tap.rc, 1, tap.out)
        self.assertIn(('not ok', 'rdma_core_run_tests', None), tap.results)

    def test_unexpected_success_counted(self):
        # "FAILED (unexpected successes=1)" is 1 failure: the test's own
        # "not ok" and no spurious "not ok rdma_core_run_tests".
        tap = run('unexpected-success.log')
        self.assertEqual(tap.results, [
            ('ok', 'test_mr.MRTest.test_reg_mr', None),
            ('not ok', 'test_mr.MRTest.test_reg_mr_bad_flags', None)], tap.out)

    def test_expected_failure_not_counted_as_failure(self):
        # "FAILED (failures=1, expected failures=1)" is 1 failure, as
        # many as "not ok" results: no "not ok rdma_core_run_tests".
        tap = run('failure-and-expected-failure.log')
        self.assertEqual(tap.results, [
            ('ok', 'test_qp.QPTest.test_create_qp', None),
            ('not ok', 'test_qp.QPTest.test_modify_qp', None),
            ('ok', 'test_qp.QPTest.test_query_qp_bad_flow', None)], tap.out)
        self.assertEqual(tap.rc, 1, tap.out)

    def test_summary_without_counts(self):
        # "FAILED (...)" without key=value fields (not unittest's, but
        # seen in wrappers) must not crash the converter: the result
        # lines decide.
        tap = run('summary-without-counts.log')
        self.assertEqual(tap.results, [
            ('ok', 'test_mr.MRTest.test_reg_mr', None)], tap.out)
        self.assertEqual(tap.rc, 0, tap.out)


if __name__ == '__main__':
    unittest.main()
