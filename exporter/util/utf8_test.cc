#include "exporter/util/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace entra_pta {
namespace {

TEST(Utf8Test, ValidTextIsKept) {
  for (const std::string& text :
       {std::string(""), std::string("plain ascii"), std::string("\0nul", 4),
        std::string("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),  // e-acute euro
        std::string("\xED\x9F\xBF\xEE\x80\x80"),              // U+D7FF U+E000
        std::string("\xF4\x8F\xBF\xBF")}) {                   // U+10FFFF
    EXPECT_TRUE(IsValidUtf8(text)) << text;
    EXPECT_EQ(ToValidUtf8(text), text);
  }
}

TEST(Utf8Test, IllFormedSequencesBecomeReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  struct Case {
    std::string in, out;
  };
  for (const Case& c : std::vector<Case>{
           {"\xFF", fffd},
           {"a\xC3", "a" + fffd},                 // truncated at the end
           {"\xC3(", fffd + "("},                 // bad continuation
           {"\xC0\xAF", fffd + fffd},             // overlong '/'
           {"\xE0\x80\xAF", fffd + fffd + fffd},  // overlong, 3 bytes
           {"\xED\xA0\x80", fffd + fffd + fffd},  // surrogate U+D800
           {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},  // > U+10FFFF
           {"\xE2\x82", fffd},  // one maximal subpart, one U+FFFD
           {"\xF0\x9F\x98", fffd},
           {"\x80\x80", fffd + fffd},  // stray continuation bytes
       }) {
    EXPECT_FALSE(IsValidUtf8(c.in));
    EXPECT_EQ(ToValidUtf8(c.in), c.out);
    EXPECT_TRUE(IsValidUtf8(ToValidUtf8(c.in)));
  }
}

TEST(Utf8Test, TruncationKeepsCharactersWhole) {
  const std::string text = "ab\xE2\x82\xAC";  // "ab" + euro (3 bytes)
  EXPECT_EQ(TruncateUtf8(text, 10), text);
  EXPECT_EQ(TruncateUtf8(text, 5), text);
  EXPECT_EQ(TruncateUtf8(text, 4), "ab");
  EXPECT_EQ(TruncateUtf8(text, 3), "ab");
  EXPECT_EQ(TruncateUtf8(text, 2), "ab");
  EXPECT_EQ(TruncateUtf8(text, 0), "");
}

}  // namespace
}  // namespace entra_pta
