<?php
// Test site only: the widget server runs on a loopback port other than 80, 443 or 8080, which
// WordPress refuses to fetch from (a production server is on 443). Same as the plugin's filter, for
// the runs without the plugin.
add_filter(
	'http_allowed_safe_ports',
	function ( $ports ) {
		$ports[] = (int) parse_url( getenv( 'HW_WIDGETS_URL' ), PHP_URL_PORT );
		return $ports;
	}
);
