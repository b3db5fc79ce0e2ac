// Linux errno numbers, spelled out so the simulated kernel reports the same
// numbers on every target (emscripten's libc numbers errno differently).
#pragma once

#include <cstdint>

namespace edgeloop {
namespace err {

constexpr int32_t kOk = 0;
constexpr int32_t kEPERM = 1;
constexpr int32_t kENOENT = 2;
constexpr int32_t kEINTR = 4;
constexpr int32_t kEBADF = 9;
constexpr int32_t kEAGAIN = 11;
constexpr int32_t kENOMEM = 12;
constexpr int32_t kEACCES = 13;
constexpr int32_t kEFAULT = 14;
constexpr int32_t kEEXIST = 17;
constexpr int32_t kEINVAL = 22;
constexpr int32_t kENFILE = 23;
constexpr int32_t kEMFILE = 24;
constexpr int32_t kENOTTY = 25;
constexpr int32_t kEPIPE = 32;
constexpr int32_t kENOSYS = 38;
constexpr int32_t kELOOP = 40;
constexpr int32_t kENOTSOCK = 88;
constexpr int32_t kEDESTADDRREQ = 89;
constexpr int32_t kENOPROTOOPT = 92;
constexpr int32_t kEOPNOTSUPP = 95;
constexpr int32_t kEAFNOSUPPORT = 97;
constexpr int32_t kEADDRINUSE = 98;
constexpr int32_t kEADDRNOTAVAIL = 99;
constexpr int32_t kENETUNREACH = 101;
constexpr int32_t kECONNABORTED = 103;
constexpr int32_t kECONNRESET = 104;
constexpr int32_t kENOBUFS = 105;
constexpr int32_t kEISCONN = 106;
constexpr int32_t kENOTCONN = 107;
constexpr int32_t kETIMEDOUT = 110;
constexpr int32_t kECONNREFUSED = 111;
constexpr int32_t kEHOSTUNREACH = 113;
constexpr int32_t kEALREADY = 114;
constexpr int32_t kEINPROGRESS = 115;

}  // namespace err
}  // namespace edgeloop
