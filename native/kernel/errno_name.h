// errno numbers to their names, for close reasons and error messages. The
// same spelling as errnoName() in src/constants.ts ("E<n>" when unnamed).
#pragma once

#include <cstdint>
#include <string>

#include "errno_codes.h"

namespace edgeloop {

inline std::string ErrnoName(int32_t e) {
  switch (e) {
    case err::kEPERM: return "EPERM";
    case err::kENOENT: return "ENOENT";
    case err::kEINTR: return "EINTR";
    case err::kEBADF: return "EBADF";
    case err::kEAGAIN: return "EAGAIN";
    case err::kENOMEM: return "ENOMEM";
    case err::kEACCES: return "EACCES";
    case err::kEFAULT: return "EFAULT";
    case err::kEEXIST: return "EEXIST";
    case err::kEINVAL: return "EINVAL";
    case err::kENFILE: return "ENFILE";
    case err::kEMFILE: return "EMFILE";
    case err::kENOTTY: return "ENOTTY";
    case err::kEPIPE: return "EPIPE";
    case err::kENOSYS: return "ENOSYS";
    case err::kELOOP: return "ELOOP";
    case err::kENOTSOCK: return "ENOTSOCK";
    case err::kEDESTADDRREQ: return "EDESTADDRREQ";
    case err::kENOPROTOOPT: return "ENOPROTOOPT";
    case err::kEOPNOTSUPP: return "EOPNOTSUPP";
    case err::kEAFNOSUPPORT: return "EAFNOSUPPORT";
    case err::kEADDRINUSE: return "EADDRINUSE";
    case err::kEADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case err::kENETUNREACH: return "ENETUNREACH";
    case err::kECONNABORTED: return "ECONNABORTED";
    case err::kECONNRESET: return "ECONNRESET";
    case err::kENOBUFS: return "ENOBUFS";
    case err::kEISCONN: return "EISCONN";
    case err::kENOTCONN: return "ENOTCONN";
    case err::kETIMEDOUT: return "ETIMEDOUT";
    case err::kECONNREFUSED: return "ECONNREFUSED";
    case err::kEHOSTUNREACH: return "EHOSTUNREACH";
    case err::kEALREADY: return "EALREADY";
    case err::kEINPROGRESS: return "EINPROGRESS";
    default: return "E" + std::to_string(e);
  }
}

}  // namespace edgeloop
