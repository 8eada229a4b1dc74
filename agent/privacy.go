package agent

// Location and web history (protocol: PathConsent, PathLocation,
// PathWebHistory) are for devices that have them: an Android phone with a
// GPS fix and a browser whose history the work profile may read. The Linux
// reference agent has neither. It therefore:
//
//   - sends no location points, ever: not a fixed position, not one
//     guessed from the network. A server that enables location for its
//     account simply receives nothing from it;
//   - sends no web history: it reads no browser's profile;
//   - asks its user for no consent, because it would collect nothing with
//     it; the check-in's privacy object is only logged.
//
// An agent that gains a real location source must ask its user, send the
// decision to PathConsent, and send points only while the check-in answer
// says location is enabled and no consent is required.
