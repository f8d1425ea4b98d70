#include "collectors/eventlog/bookmark_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace entra_pta::eventlog {
namespace {

namespace fs = std::filesystem;
const std::string kChannel =
    "Microsoft-AzureADConnect-AuthenticationAgent/Admin";
const std::string kBookmark =
    "<BookmarkList>\r\n  <Bookmark Channel='c' RecordId='42' "
    "IsCurrent='true'/>\r\n</BookmarkList>";

TEST(BookmarkFileTest, RoundTrip) {
  BookmarkState state{kBookmark, 1800000000.25};
  std::string text = SerializeBookmarkFile(kChannel, state);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  auto parsed = ParseBookmarkFile(text, kChannel);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const auto& back = *parsed;
  EXPECT_EQ(back.since_seconds, 1800000000.25);
  EXPECT_EQ(back.bookmark_xml,
            "<BookmarkList>    <Bookmark Channel='c' RecordId='42' "
            "IsCurrent='true'/>  </BookmarkList>");
  BookmarkState no_bookmark{"", 5};
  EXPECT_EQ(
      ParseBookmarkFile(SerializeBookmarkFile(kChannel, no_bookmark), kChannel)
          .value(),
      no_bookmark);
}

TEST(BookmarkFileTest, CorruptOrTruncatedFilesAreErrors) {
  const std::string good =
      SerializeBookmarkFile(kChannel, BookmarkState{kBookmark, 7});
  // Every truncation is detected (the end line is last).
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ParseBookmarkFile(good.substr(0, n), kChannel).ok()) << n;
  }
  auto error = [&](const std::string& text) {
    auto parsed = ParseBookmarkFile(text, kChannel);
    return parsed.ok() ? std::string("(parsed)") : parsed.status().message();
  };
  EXPECT_EQ(error(good), "(parsed)");
  EXPECT_EQ(error(std::string("\0\0\0\n", 4)), "not a bookmark file (header)");
  EXPECT_EQ(error(good + "x\n"), "content after the end line");
  EXPECT_EQ(error("entra-pta-exporter eventlog bookmark 1\nchannel=other\n"
                  "since=1\nend\n"),
            "written for another channel \"other\"");
  EXPECT_EQ(error("entra-pta-exporter eventlog bookmark 1\nchannel=" +
                  kChannel + "\nsince=-4\nend\n"),
            "line 3: invalid since");
  // Beyond year 9999 (what SystemTime and the since line can hold): a
  // value this large was written back cut short and read as another time.
  for (const char* since :
       {"1e300", "253402300800", "inf", "nan", "1e", "0x10", " 1", "1 ", ""}) {
    EXPECT_EQ(error("entra-pta-exporter eventlog bookmark 1\nchannel=" +
                    kChannel + "\nsince=" + since + "\nend\n"),
              "line 3: invalid since")
        << since;
  }
  auto latest = ParseBookmarkFile(
      "entra-pta-exporter eventlog bookmark 1\nchannel=" + kChannel +
          "\nsince=253402300799\nend\n",
      kChannel);
  ASSERT_TRUE(latest.ok());
  auto again =
      ParseBookmarkFile(SerializeBookmarkFile(kChannel, *latest), kChannel);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->since_seconds, 253402300799.0);
  EXPECT_EQ(error("entra-pta-exporter eventlog bookmark 1\nchannel=" +
                  kChannel + "\nsince=1\nbookmark=<x/>\nend\n"),
            "line 4: the bookmark is not a <BookmarkList>");
  EXPECT_EQ(error("entra-pta-exporter eventlog bookmark 1\nchannel=" +
                  kChannel + "\nsince=1\nsince=2\nend\n"),
            "line 4: unexpected or repeated since");
}

TEST(BookmarkFileTest, FileNamesAreSafe) {
  EXPECT_EQ(BookmarkFileName(kChannel),
            "Microsoft-AzureADConnect-AuthenticationAgent%2FAdmin.bookmark");
  EXPECT_EQ(BookmarkFileName("../x y"), "..%2Fx%20y.bookmark");
}

class BookmarkStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("entra-pta-bookmark-" +
         std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(BookmarkStoreTest, SaveCreatesTheDirectoryAndReplacesAtomically) {
  BookmarkStore store((dir_ / "state").string());
  auto missing = store.Load(kChannel);
  ASSERT_TRUE(missing.ok()) << missing.status().message();
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(store.Save(kChannel, BookmarkState{"", 1}).ok());
  ASSERT_TRUE(store.Save(kChannel, BookmarkState{kBookmark, 2}).ok());
  auto loaded = store.Load(kChannel);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->since_seconds, 2);
  // Only the bookmark itself is left: the temporary file was renamed.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_ / "state")) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{BookmarkFileName(kChannel)}));
}

TEST_F(BookmarkStoreTest, CorruptFileIsAnErrorValue) {
  BookmarkStore store(dir_.string());
  fs::create_directories(dir_);
  std::ofstream(store.PathFor(kChannel)) << "entra-pta-exporter eventlog bo";
  auto loaded = store.Load(kChannel);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("truncated"), std::string::npos);
}

TEST_F(BookmarkStoreTest, UnwritableDirectoryIsAStatus) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  BookmarkStore store((dir_ / "file" / "sub").string());
  Status saved = store.Save(kChannel, BookmarkState{"", 1});
  EXPECT_FALSE(saved.ok());
  EXPECT_NE(saved.message().find("cannot create the state directory"),
            std::string::npos);
}

}  // namespace
}  // namespace entra_pta::eventlog
