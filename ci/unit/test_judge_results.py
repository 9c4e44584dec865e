#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/judge-results.py on recorded results.

Each test lays out one boot's results the way scripts/judge-boot.sh hands
them to judge-results.py (kunit.json and kunit.log of kunit.py parse, the
guest's SUITE.log TAP files and its status file, the subjects of the tree,
the expected failures, a mutant's Breaks: list), runs the program and
checks what it wrote: RESDIR/kunit, RESDIR/kselftest, failures.txt,
skips.txt and xfail.txt. The fixtures are in ci/unit/data/judge (see
ci/unit/data/README.md for where each one comes from).

Run: python3 -m unittest -v ci/unit/test_judge_results.py (or
scripts/unit-tests.sh, which runs every ci/unit/test_*).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
JUDGE = os.path.join(TOP, 'scripts', 'judge-results.py')
DATA = os.path.join(TOP, 'ci', 'unit', 'data', 'judge')

HMM_FIX = 'mm/hmm: fault a hugetlb page once, not once per PAGE_SIZE address'
UMEM_FIX = ('RDMA/umem: Store one pfn_list entry per huge page for '
            'IB_ACCESS_HUGETLB')
RXE_HUGETLB = 'RDMA/rxe: Accept IB_ACCESS_HUGETLB for ODP MRs'
MUTANT = 'the mutant that breaks it'


def data(*path):
    return os.path.join(DATA, *path)


class Verdict:
    """What judge-results.py wrote for one boot."""

    def __init__(self, out, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

        def read(name):
            with open(os.path.join(out, name)) as f:
                return f.read()
        self.kunit = read('kunit').rstrip('\n')
        self.kselftest = read('kselftest').rstrip('\n')
        self.failures = read('failures.txt').splitlines()
        self.skips = read('skips.txt').splitlines()
        self.xfails = read('xfail.txt').splitlines()


class JudgeTestCase(unittest.TestCase):
    """A boot's result directory, built from fixtures, and its judge."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='judge-')
        self.addCleanup(shutil.rmtree, self.tmp)
        self.res = os.path.join(self.tmp, 'res')
        self.guest = os.path.join(self.res, 'guest')
        os.makedirs(self.guest)
        self.status = ['boot:ok']
        self.kunit('none')

    def kunit(self, name):
        """kunit.json and kunit.log from data/judge/kunit-NAME.*"""
        for ext in ('json', 'log'):
            dst = os.path.join(self.res, 'kunit.' + ext)
            if os.path.exists(dst):
                os.remove(dst)
            src = data(f'kunit-{name}.{ext}')
            if os.path.exists(src):
                shutil.copy(src, dst)

    def suite(self, name, fixture, status='pass'):
        """guest/NAME.log from data/judge/tap/FIXTURE.log; status None:
        the guest did not record an end of the suite."""
        if fixture:
            shutil.copy(data('tap', fixture + '.log'),
                        os.path.join(self.guest, name + '.log'))
        if status is not None:
            self.status.append(f'{name}:{status}')

    def judge(self, applied='last', broken=None, done=True, status=True):
        """Run judge-results.py; done: the guest wrote done:ok; status:
        there is a status file at all."""
        if status:
            with open(os.path.join(self.guest, 'status'), 'w') as f:
                f.writelines(s + '\n' for s in
                             self.status + (['done:ok'] if done else []))
        args = [sys.executable, JUDGE,
                '--kunit-json', os.path.join(self.res, 'kunit.json'),
                '--kunit-log', os.path.join(self.res, 'kunit.log'),
                '--suites', self.guest,
                '--expect', data('expected-failures.txt'),
                '--applied', data(f'applied-{applied}.txt'),
                '--out', self.res]
        if broken is not None:
            path = os.path.join(self.tmp, 'broken.txt')
            with open(path, 'w') as f:
                f.writelines(b + '\n' for b in broken)
            args += ['--broken', path]
        proc = subprocess.run(args, capture_output=True, text=True,
                              timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return Verdict(self.res, proc)


class KselftestTapTest(JudgeTestCase):
    """The guest suites' TAP (SUITE.log) and their status."""

    def test_all_pass(self):
        self.kunit('pass')
        self.suite('hmm-fault', 'hmm-fault-fixed')
        self.suite('rdma-odp', 'rdma-odp-pass')
        v = self.judge()
        self.assertEqual(v.kunit, 'PASS 3/0/0')
        self.assertEqual(v.kselftest, 'PASS 15/0/0')
        self.assertEqual(v.stdout, 'kunit PASS 3/0/0; kselftest PASS 15/0/0\n')
        self.assertEqual((v.failures, v.skips, v.xfails), ([], [], []))

    def test_one_failure(self):
        self.suite('hmm-fault', 'hmm-fault-fixed')
        self.suite('rdma-odp', 'rdma-odp-one-fail', 'fail(rc=1)')
        v = self.judge()
        self.assertEqual(v.kselftest, 'FAIL 14/1/0')
        self.assertEqual(v.failures,
                         ['rdma-odp: odp_iova_4k_page_offset_einval'])
        self.assertEqual(v.xfails, [])

    def test_failure_reason_on_the_result_line(self):
        # "not ok N name # reason": the comment must not hide the result
        self.suite('rdma-odp', 'rdma-odp-fail-with-reason', 'fail(rc=1)')
        v = self.judge()
        self.assertEqual(v.kselftest, 'FAIL 11/1/0')
        self.assertEqual(v.failures, [
            'rdma-odp: odp_iova_4k_page_offset_einval # got 0, expected EINVAL'])

    def test_skip_with_reason(self):
        self.suite('hmm-tests', 'hmm-tests-skips')
        v = self.judge()
        self.assertEqual(v.kselftest, 'PASS 2/0/2')
        self.assertEqual(v.skips, [
            'hmm-tests: hmm.hmm_device_coherent.open_close'
            ' # SKIP DEVICE_COHERENT not available',
            'hmm-tests: hmm.hmm_device_coherent.anon_read'
            ' # SKIP DEVICE_COHERENT not available'])
        self.assertEqual(v.failures, [])

    def test_suite_skipped_as_a_whole(self):
        # ci/guest/share-lib.sh skip(): "1..0 # SKIP reason", exit 4
        self.suite('hmm-fault', 'hmm-fault-fixed')
        self.suite('rdma-core-unstable', 'rdma-core-unstable-skipped', 'skip')
        v = self.judge()
        self.assertEqual(v.kselftest, 'PASS 3/0/1')
        self.assertEqual(v.skips,
                         ['rdma-core-unstable: no guestroot 9p share'])

    def test_no_suite_ran(self):
        v = self.judge()
        self.assertEqual(v.kselftest, 'FAIL no suite ran')

    def test_truncated_tap(self):
        # plan 1..5, three results, no "# Totals:" line, status pass
        self.suite('hmm-fault', 'hmm-fault-fixed')
        self.suite('rdma-odp', 'rdma-odp-truncated')
        v = self.judge()
        self.assertEqual(v.kselftest, 'FAIL 6/2/0')
        self.assertEqual(v.failures, ['suite rdma-odp(no totals: pass)',
                                      'suite rdma-odp(plan 1..5, 3 results)'])

    def test_truncated_tap_guest_stopped_in_the_suite(self):
        # the guest never recorded the suite's end (nor done:ok)
        self.suite('hmm-fault', 'hmm-fault-fixed')
        self.suite('rdma-odp', 'rdma-odp-truncated', status=None)
        v = self.judge(done=False)
        self.assertEqual(v.kselftest, 'FAIL 6/3/0')
        self.assertEqual(v.failures, [
            'suite rdma-odp(no totals: did not finish)',
            'suite rdma-odp(plan 1..5, 3 results)',
            'suite rdma-odp(did not finish)'])

    def test_no_status_file(self):
        self.suite('hmm-fault', 'hmm-fault-fixed')
        v = self.judge(status=False)
        self.assertEqual(v.kselftest, 'FAIL 3/1/0')
        self.assertEqual(v.failures, ['suite hmm-fault(did not finish)'])

    def test_plan_not_met(self):
        # This file says 1..5, has three results and a "# Totals:" line
        # (as a test program that returns early after ksft_print_cnts()
        # would write), and the suite exited 0: the plan is not met (it
        # was judged PASS 3/0/0 before the plan was checked).
        self.suite('rdma-odp', 'rdma-odp-plan-not-met')
        v = self.judge()
        self.assertEqual(v.kselftest, 'FAIL 3/1/0')
        self.assertEqual(v.failures, ['suite rdma-odp(plan 1..5, 3 results)'])

    def test_suite_log_missing(self):
        # A suite that the status file says ran, but whose log is
        # missing, fails (only suites with a SUITE.log were judged
        # before: PASS 3/0/0).
        self.suite('hmm-fault', 'hmm-fault-fixed')
        self.suite('rdma-odp', None, 'pass')
        v = self.judge()
        self.assertEqual(v.kselftest, 'FAIL 3/1/0')
        self.assertEqual(v.failures, ['suite rdma-odp(no rdma-odp.log: pass)'])

    def test_suite_crashed_after_its_results(self):
        # "fail(rc=N)" is accepted for N <= 128, because a suite with
        # expected failures exits 1; a suite that reported every test ok
        # and then died (rc=139, SIGSEGV) fails.
        self.suite('hmm-fault', 'hmm-fault-fixed', 'fail(rc=139)')
        v = self.judge()
        self.assertEqual(v.kselftest, 'FAIL 3/1/0')
        self.assertEqual(v.failures, ['suite hmm-fault(killed by signal 11)'])

    def test_suite_exit_code_above_signals(self):
        # 255 is an exit code (a failing test program's), not a signal:
        # the results decide, as for any other failing exit.
        self.suite('hmm-fault', 'hmm-fault-fixed', 'fail(rc=255)')
        v = self.judge()
        self.assertEqual(v.kselftest, 'PASS 3/0/0')


class ExpectedFailuresTest(JudgeTestCase):
    """ci/expected-failures.txt: xfail before the fixing patch, xpass."""

    def test_xfail_before_the_fix(self):
        # the base: hmm-fault's two hugetlb tests fail, as they must
        self.suite('hmm-fault', 'hmm-fault-before-fix', 'fail(rc=1)')
        v = self.judge(applied='base')
        self.assertEqual(v.kselftest, 'PASS 1/0/0 xfail:2')
        self.assertEqual(v.failures, [])
        self.assertEqual(v.xfails, [
            f'hmm-fault: hugetlb_2m_read_fault_once: fails as expected '
            f'before "{HMM_FIX}"',
            f'hmm-fault: hugetlb_2m_write_fault_once: fails as expected '
            f'before "{HMM_FIX}"'])

    def test_xpass_before_the_fix(self):
        # the tests pass on a tree without the fix: they do not see the bug
        self.suite('hmm-fault', 'hmm-fault-fixed')
        v = self.judge(applied='base')
        self.assertEqual(v.kselftest, 'FAIL 1/2/0')
        self.assertEqual(v.xfails, [])
        self.assertEqual(v.failures, [
            f'hmm-fault: hugetlb_2m_read_fault_once: XPASS before "{HMM_FIX}":'
            ' the test does not see the bug it is meant to show',
            f'hmm-fault: hugetlb_2m_write_fault_once: XPASS before "{HMM_FIX}":'
            ' the test does not see the bug it is meant to show'])

    def test_failure_after_the_fix(self):
        # from the fixing patch on, an expected failure is a failure
        self.suite('hmm-fault', 'hmm-fault-before-fix', 'fail(rc=1)')
        v = self.judge(applied='last')
        self.assertEqual(v.kselftest, 'FAIL 1/2/0')
        self.assertEqual(v.xfails, [])
        self.assertEqual(v.failures, [
            'hmm-fault: hugetlb_2m_read_fault_once',
            'hmm-fault: hugetlb_2m_write_fault_once'])

    def test_rdma_core_unittest_names(self):
        # rdma-core-host at the base (unittest-tap.py's TAP): the two ODP
        # huge page ERRORs are expected, the excluded test is a skip
        self.suite('rdma-core-host', 'rdma-core-host-before-fix', 'fail(rc=1)')
        v = self.judge(applied='base')
        self.assertEqual(v.kselftest, 'PASS 2/0/2 xfail:2')
        self.assertEqual(v.failures, [])
        self.assertEqual(len(v.xfails), 2)
        self.assertEqual(
            v.xfails[0], 'rdma-core-host: test_odp.OdpTestCase.'
            f'test_odp_rc_huge_traffic: fails as expected before "{RXE_HUGETLB}"')
        self.assertEqual(v.skips[0], 'rdma-core-host: test_atomic.AtomicTest.'
                         'test_xrc_atomic_cmp_and_swap # SKIP Create XRCD is'
                         ' not supported')
        self.assertTrue(v.skips[1].startswith(
            "rdma-core-host: test_cq.CQTest.test_resize_cq # SKIP excluded: "
            "rdma-core 44's test shrinks the CQ"), v.skips[1])

    def test_expected_failure_did_not_run(self):
        # hmm-fault ran, but without the tests that must show the bug
        self.suite('hmm-fault', 'hmm-fault-anon-only')
        v = self.judge(applied='base')
        self.assertEqual(v.kselftest, 'FAIL 1/2/0')
        why = ": listed in expected-failures or a mutant's Breaks: but did not run"
        self.assertEqual(v.failures, [
            'hmm-fault: hugetlb_2m_read_fault_once' + why,
            'hmm-fault: hugetlb_2m_write_fault_once' + why])

    def test_suite_log_of_expected_failures_missing(self):
        # Without hmm-fault.log the proof that the base has the bug is
        # gone: the suite's missing log fails the base (it was judged
        # PASS 12/0/0 before).
        self.suite('hmm-fault', None, 'fail(rc=1)')
        self.suite('rdma-odp', 'rdma-odp-pass')
        v = self.judge(applied='base')
        self.assertEqual(v.kselftest, 'FAIL 12/1/0')
        self.assertEqual(v.failures,
                         ['suite hmm-fault(no hmm-fault.log: fail(rc=1))'])


class KUnitTest(JudgeTestCase):
    """kunit.py parse --json output and its log."""

    def test_no_kunit_suite_built_in(self):
        # the base: no KUnit suite, kunit.py finds no test ("0 tests run!")
        self.suite('hmm-fault', 'hmm-fault-before-fix', 'fail(rc=1)')
        v = self.judge(applied='base')
        self.assertEqual(v.kunit, 'SKIP no KUnit suite is built in at this step')
        self.assertEqual(v.failures, [])

    def test_no_ktap_output(self):
        # kunit.py saw no KTAP at all (and may write no JSON)
        self.kunit('no-ktap')
        self.suite('hmm-fault', 'hmm-fault-fixed')
        v = self.judge()
        self.assertEqual(v.kunit, 'SKIP no KUnit suite is built in at this step')
        self.assertEqual(v.failures, [])

    def test_xfail_before_the_fix(self):
        self.kunit('before-fix')
        self.suite('hmm-fault', 'hmm-fault-before-fix', 'fail(rc=1)')
        v = self.judge(applied='kunit-tests-before-fix')
        self.assertEqual(v.kunit, 'PASS 1/0/0 xfail:2')
        self.assertEqual(v.failures, [])
        self.assertEqual(v.xfails[:2], [
            'kunit: ib_umem_odp_hugetlb.ib_umem_odp_hugetlb_all: fails as '
            f'expected before "{UMEM_FIX}"',
            'kunit: ib_umem_odp_hugetlb.ib_umem_odp_hugetlb_last: fails as '
            f'expected before "{UMEM_FIX}"'])

    def test_failure_after_the_fix(self):
        self.kunit('before-fix')
        self.suite('hmm-fault', 'hmm-fault-fixed')
        v = self.judge()
        self.assertEqual(v.kunit, 'FAIL 1/2/0')
        self.assertEqual(v.failures, [
            'kunit: ib_umem_odp_hugetlb.ib_umem_odp_hugetlb_all',
            'kunit: ib_umem_odp_hugetlb.ib_umem_odp_hugetlb_last'])

    def test_xpass_before_the_fix(self):
        self.kunit('pass')
        self.suite('hmm-fault', 'hmm-fault-before-fix', 'fail(rc=1)')
        v = self.judge(applied='kunit-tests-before-fix')
        self.assertEqual(v.kunit, 'FAIL 1/2/0')
        self.assertEqual(v.failures[0],
                         'kunit: ib_umem_odp_hugetlb.ib_umem_odp_hugetlb_all:'
                         f' XPASS before "{UMEM_FIX}": the test does not see'
                         ' the bug it is meant to show')

    def test_crashed_case(self):
        # a case that crashed: "ERROR" in the JSON, "crashed: 1" in the log
        self.kunit('crashed')
        self.suite('hmm-fault', 'hmm-fault-fixed')
        v = self.judge()
        self.assertEqual(v.kunit, 'FAIL 2/2/0')
        self.assertEqual(v.failures, [
            'kunit: ib_umem_odp_hugetlb.ib_umem_odp_hugetlb_snapshot_bounded',
            'kunit: KTAP errors or a crash (kunit.log)'])

    def test_ktap_errors(self):
        # kunit.py found fewer results than the plan announced
        self.kunit('pass')
        shutil.copy(data('kunit-ktap-error.log'),
                    os.path.join(self.res, 'kunit.log'))
        self.suite('hmm-fault', 'hmm-fault-fixed')
        v = self.judge()
        self.assertEqual(v.kunit, 'FAIL 3/1/0')
        self.assertEqual(v.failures,
                         ['kunit: KTAP errors or a crash (kunit.log)'])

    def test_no_json(self):
        # kunit.json missing (kunit.py failed): the verdict says so (it
        # used to be replaced by "PASS 0/0/0" of an empty count).
        self.kunit('pass')
        os.remove(os.path.join(self.res, 'kunit.json'))
        self.suite('hmm-fault', 'hmm-fault-fixed')
        v = self.judge()
        self.assertTrue(v.kunit.startswith('FAIL kunit.py produced no JSON'),
                        v.kunit)

    def test_truncated_json(self):
        # the same for a kunit.json that is not valid JSON (cut off)
        self.kunit('pass')
        shutil.copy(data('kunit-truncated.json'),
                    os.path.join(self.res, 'kunit.json'))
        self.suite('hmm-fault', 'hmm-fault-fixed')
        v = self.judge()
        self.assertTrue(v.kunit.startswith(
            'FAIL kunit.py produced no JSON (Expecting value'), v.kunit)
        self.assertEqual(len(v.failures), 1, v.failures)
        self.assertTrue(v.failures[0].startswith(
            'kunit: kunit.py produced no JSON ('), v.failures)
        self.assertEqual(v.kselftest, 'PASS 3/0/0')


class MutantBreaksTest(JudgeTestCase):
    """A proof's mutant: --broken lists the SUITE|TEST it must break."""

    BROKEN = ['kunit|ib_umem_odp_hugetlb.ib_umem_odp_hugetlb_snapshot_bounded']

    def test_mutant_breaks_the_test(self):
        self.kunit('mutant')
        self.suite('hmm-fault', 'hmm-fault-fixed')
        v = self.judge(broken=self.BROKEN)
        self.assertEqual(v.kunit, 'PASS 2/0/0 xfail:1')
        self.assertEqual(v.failures, [])
        self.assertEqual(v.xfails, [
            'kunit: ib_umem_odp_hugetlb.ib_umem_odp_hugetlb_snapshot_bounded:'
            f' fails as expected before "{MUTANT}"'])

    def test_mutant_does_not_break_the_test(self):
        self.kunit('pass')
        self.suite('hmm-fault', 'hmm-fault-fixed')
        v = self.judge(broken=self.BROKEN)
        self.assertEqual(v.kunit, 'FAIL 2/1/0')
        self.assertEqual(v.failures, [
            'kunit: ib_umem_odp_hugetlb.ib_umem_odp_hugetlb_snapshot_bounded:'
            f' XPASS before "{MUTANT}": the test does not see the bug it is'
            ' meant to show'])

    def test_broken_test_did_not_run(self):
        self.kunit('pass')
        self.suite('hmm-fault', 'hmm-fault-fixed')
        v = self.judge(broken=['kunit|ib_umem_odp_hugetlb.ib_umem_odp_hugetlb_1g'])
        self.assertEqual(v.kunit, 'FAIL 3/1/0')
        self.assertEqual(v.failures, [
            'kunit: ib_umem_odp_hugetlb.ib_umem_odp_hugetlb_1g: listed in '
            "expected-failures or a mutant's Breaks: but did not run"])

    def test_broken_test_skipped(self):
        # a SKIP proves nothing about the mutant
        self.suite('hmm-tests', 'hmm-tests-skips')
        v = self.judge(broken=['hmm-tests|hmm.hmm_device_coherent.anon_read'])
        self.assertEqual(v.kselftest, 'FAIL 2/1/1')
        self.assertEqual(v.failures, [
            'hmm-tests: hmm.hmm_device_coherent.anon_read: skipped, but the '
            'mutant must break it (DEVICE_COHERENT not available)'])


if __name__ == '__main__':
    unittest.main()
