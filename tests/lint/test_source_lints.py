"""The source lints (sizes.py, cited_files.py) catch what they claim to:
planted offenders in a scratch tree fail, the limits themselves pass, and
the C++ constructs that could fool a brace matcher are measured right."""

import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cited_files  # noqa: E402
import cxx_scan  # noqa: E402
import gtest_names  # noqa: E402
import sizes  # noqa: E402


def function(name, lines):
    """A definition of exactly `lines` lines, signature to closing brace."""
    assert lines >= 4
    body = [f"  int v{i} = {i};" for i in range(lines - 4)]
    return "\n".join([f"int {name}(int a)", "{"] + body + ["  return a;", "}"])


def lengths(source):
    return [(signature.split("(")[0].split()[-1], last - first + 1)
            for first, last, signature in sizes.find_functions(
                cxx_scan.scan(source).code)]


class TreeTest(unittest.TestCase):

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="entra-pta-lint-")
        self.addCleanup(shutil.rmtree, self.root)

    def write(self, relative, text):
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


class SizesTest(TreeTest):

    def test_an_81_line_function_fails_and_80_lines_pass(self):
        self.write("exporter/ok.cc", function("Fits", 80) + "\n")
        self.assertEqual(sizes.check_tree(self.root, allowed={}), [])
        self.write("collectors/x/long.cc",
                   "namespace a {\n" + function("TooLong", 81) + "\n}\n")
        report = sizes.check_tree(self.root, allowed={})
        self.assertEqual(len(report), 1, report)
        self.assertIn("collectors/x/long.cc:2: function of 81 lines", report[0])
        self.assertIn("TooLong", report[0])

    def test_an_801_line_file_fails_and_800_lines_pass(self):
        self.write("exporter/a_test.cc", "// x\n" * 800)
        self.assertEqual(sizes.check_tree(self.root, allowed={}), [])
        self.write("exporter/a_test.cc", "// x\n" * 801)
        report = sizes.check_tree(self.root, allowed={})
        self.assertEqual(report, [
            "exporter/a_test.cc:1: 801 lines (at most 800): split it by subject"
        ])

    def test_only_exporter_and_collectors_are_scanned(self):
        self.write("fuzz/big.cc", function("Elsewhere", 200) + "\n")
        self.assertEqual(sizes.check_tree(self.root, allowed={}), [])

    def test_allowed_files_pass_and_stale_entries_are_reported(self):
        self.write("exporter/page.cc", function("Big", 90) + "\n")
        self.assertEqual(
            sizes.check_tree(self.root, allowed={"exporter/page.cc": "x"}), [])
        report = sizes.check_tree(self.root,
                                  allowed={"exporter/page.cc": "x",
                                           "exporter/gone.cc": "y"})
        self.assertEqual(len(report), 1, report)
        self.assertIn("ALLOWED lists exporter/gone.cc", report[0])

    def test_braces_in_literals_and_comments_do_not_count(self):
        source = "\n".join([
            "int F() {",
            '  const char* s = "}}}";  // }',
            "  char c = '}';",
            "  /* } */",
            '  auto r = R"x(})" }")x";',
            "  int n = 1'000'000;",
            "  return 0;",
            "}",
            "int G() { return 1; }",
        ])
        self.assertEqual(lengths(source), [("F", 8), ("G", 1)])

    def test_declarations_are_told_apart(self):
        source = "\n".join([
            "namespace a::b {",
            "struct Point { int x{0}; int y = 1; };",
            "enum class Colour { kRed, kGreen };",
            "const std::vector<int> kList = {1, 2, 3};",
            "std::function<void(int)> callback{nullptr};",
            "class Thing : public Base {",
            " public:",
            "  Thing(int a) : a_{a}, b_(a) {",
            "    Use(a);",
            "  }",
            "  int Get() const override { return a_; }",
            "  bool operator==(const Thing& o) const {",
            "    return a_ == o.a_;",
            "  }",
            " private:",
            "  int a_;",
            "};",
            "auto kCompare = [](int l, int r) {",
            "  return l < r;",
            "};",
            'extern "C" int Entry(const char* data) {',
            "  Register([](int x) { return x; });",
            "  return 0;",
            "}",
            "TEST_P(FooTest, Works) {",
            "  EXPECT_TRUE(true);",
            "}",
            "template <typename T, int N = 3>",
            "T Twice(T t) {",
            "  return t + t;",
            "}",
            "#define BRACE {",
            "}  // namespace a::b",
        ])
        self.assertEqual(lengths(source), [
            ("Thing", 3), ("Get", 1), ("operator==", 3), ("[]", 3),
            ("Entry", 4), ("TEST_P", 3), ("Twice", 4)
        ])


class CitedFilesTest(TreeTest):

    def setUp(self):
        super().setUp()
        self.write("exporter/real.cc", "int x;\n")
        self.write("exporter/real.cc.in", "int x;\n")
        self.write("collectors/probe/engine.h", "#include <windows.h>\n")

    def test_a_comment_citing_a_missing_file_fails(self):
        self.write("exporter/a.h", "// See exporter/gone.cc and b_test.cc.\n"
                   "// Templated by exporter/gone.h.in.\n"
                   "int a;  /* also\n   collectors/old/x.h */\n")
        self.assertEqual(cited_files.check_tree(self.root, allowed={}), [
            "exporter/a.h:1: the comment cites exporter/gone.cc, which is not "
            "in the tree",
            "exporter/a.h:1: the comment cites b_test.cc, which is not in the "
            "tree",
            "exporter/a.h:2: the comment cites exporter/gone.h.in, which is "
            "not in the tree",
            "exporter/a.h:4: the comment cites collectors/old/x.h, which is "
            "not in the tree",
        ])

    def test_existing_files_headers_patterns_and_strings_pass(self):
        self.write("collectors/probe/b.cc", "\n".join([
            "// exporter/real.cc, engine.h, ./engine.h, real.cc,",
            "// windows.h must come first; *_windows.cc; <gone.h>",
            "// templated by exporter/real.cc.in; see real.cc.",
            'const char* p = "exporter/gone.cc";',
        ]) + "\n")
        self.assertEqual(cited_files.check_tree(self.root, allowed={}), [])

    def test_allowed_files_pass_and_stale_entries_are_reported(self):
        self.write("exporter/a.h", "// exporter/gone.cc\n")
        self.assertEqual(
            cited_files.check_tree(self.root, allowed={"exporter/a.h": "v"}),
            [])
        self.write("exporter/a.h", "// exporter/real.cc\n")
        report = cited_files.check_tree(self.root,
                                        allowed={"exporter/a.h": "v"})
        self.assertEqual(len(report), 1, report)
        self.assertIn("ALLOWED lists exporter/a.h", report[0])


class GtestNamesTest(unittest.TestCase):

    def test_index_names_and_byte_dumps_are_found(self):
        listing = "\n".join([
            "Plain.",
            "  Works",
            "Table/RowTest.",
            "  Verdicts/0  # GetParam() = 48-byte object <50-EC DA-43>",
            "  Verdicts/1  # GetParam() = 48-byte object <F0-08 D7-43>",
            "Named/CaseTest.",
            "  Run/healthy  # GetParam() = healthy",
        ])
        self.assertEqual(gtest_names.problems_in_listing(listing), [
            ("Table/RowTest", "Verdicts/0", "named by index only"),
            ("Table/RowTest", "Verdicts/0", "parameter printed as bytes"),
            ("Table/RowTest", "Verdicts/1", "named by index only"),
            ("Table/RowTest", "Verdicts/1", "parameter printed as bytes"),
        ])

    def test_readable_names_pass(self):
        listing = ("Scenarios/GoldenTest.\n"
                   "  Matches/ssl_inspection  # GetParam() = ssl_inspection\n"
                   "Plain.\n  Test2\n")
        self.assertEqual(gtest_names.problems_in_listing(listing), [])


if __name__ == "__main__":
    unittest.main()
